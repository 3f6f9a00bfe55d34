using System.Globalization;
using System.Text;

namespace SipDialogs.Server;

/// <summary>
/// The outcome counts of a <c>sipdialogs call</c> run, kept with <see cref="Interlocked"/> from any thread, and its
/// summary line: <c>calls: 3 attempted, 2 answered, 1 failed (by status: 486=1), 2 ended; p50 setup 1.20 ms, p99 3.40 ms</c>.
/// </summary>
internal sealed class CallTally
{
    private const int MaxStatus = 699;
    private readonly long[] _failedByStatus = new long[MaxStatus + 1];
    private readonly LatencyHistogram _setup = new();
    private long _attempted;
    private long _answered;
    private long _ended;
    private long _failed;
    private long _timedOut;
    private long _cancelled;
    private long _errors;
    private long _byeFailed;
    private long _unfinished;

    /// <summary>INVITEs sent.</summary>
    public long Attempted => Volatile.Read(ref _attempted);

    /// <summary>Calls answered with a 2xx.</summary>
    public long Answered => Volatile.Read(ref _answered);

    /// <summary>Calls that were answered and then ended: BYE answered 2xx, or ended by the peer first.</summary>
    public long Ended => Volatile.Read(ref _ended);

    /// <summary>Calls that got no 2xx: refused, timed out, cancelled, or not sent for an error.</summary>
    public long Failed => Volatile.Read(ref _failed);

    /// <summary>True when calls were made and each one was answered and ended, with none left running.</summary>
    public bool AllAnsweredAndEnded =>
        Attempted > 0 && Answered == Attempted && Ended == Answered && Failed == 0 && Volatile.Read(ref _unfinished) == 0;

    public void OnAttempted() => Interlocked.Increment(ref _attempted);

    public void OnAnswered(TimeSpan setup)
    {
        _setup.Record(setup);
        Interlocked.Increment(ref _answered);
    }

    public void OnEnded() => Interlocked.Increment(ref _ended);

    /// <summary>A final response other than 2xx (or a local 408/503 the stack made, RFC 3261 §8.1.3.1).</summary>
    public void OnRefused(int status)
    {
        if (status is >= 300 and <= MaxStatus)
        {
            Interlocked.Increment(ref _failedByStatus[status]);
        }
        else
        {
            Interlocked.Increment(ref _errors);
        }

        Interlocked.Increment(ref _failed);
    }

    /// <summary>No answer within --timeout: the call was cancelled.</summary>
    public void OnTimedOut()
    {
        Interlocked.Increment(ref _timedOut);
        Interlocked.Increment(ref _failed);
    }

    /// <summary>Cancelled by Ctrl-C before it was answered.</summary>
    public void OnCancelled()
    {
        Interlocked.Increment(ref _cancelled);
        Interlocked.Increment(ref _failed);
    }

    /// <summary>The call could not be made or followed (a transport error, say).</summary>
    public void OnError()
    {
        Interlocked.Increment(ref _errors);
        Interlocked.Increment(ref _failed);
    }

    /// <summary>An answered call whose BYE got no 2xx.</summary>
    public void OnByeFailed() => Interlocked.Increment(ref _byeFailed);

    /// <summary>Calls still in progress when the run stopped waiting for them.</summary>
    public void OnUnfinished(long count) => Interlocked.Add(ref _unfinished, count);

    /// <summary>The summary line.</summary>
    /// <returns>e.g. <c>calls: 100 attempted, 100 answered, 0 failed, 100 ended; p50 setup 1.20 ms, p99 3.40 ms</c>.</returns>
    public override string ToString()
    {
        CultureInfo invariant = CultureInfo.InvariantCulture;
        var line = new StringBuilder(128);
        line.Append(invariant, $"calls: {Attempted} attempted, {Answered} answered, {Failed} failed");
        if (Failed > 0)
        {
            line.Append(" (by status:");
            string separator = " ";
            for (int status = 300; status <= MaxStatus; status++)
            {
                long count = Volatile.Read(ref _failedByStatus[status]);
                if (count > 0)
                {
                    line.Append(invariant, $"{separator}{status}={count}");
                    separator = ", ";
                }
            }

            AppendKind(line, ref separator, "timeout", Volatile.Read(ref _timedOut));
            AppendKind(line, ref separator, "cancelled", Volatile.Read(ref _cancelled));
            AppendKind(line, ref separator, "error", Volatile.Read(ref _errors));
            line.Append(')');
        }

        line.Append(invariant, $", {Ended} ended");
        if (Volatile.Read(ref _byeFailed) is long byeFailed and > 0)
        {
            line.Append(invariant, $", {byeFailed} BYE failed");
        }

        if (Volatile.Read(ref _unfinished) is long unfinished and > 0)
        {
            line.Append(invariant, $", {unfinished} unfinished");
        }

        line.Append("; p50 setup ").Append(Milliseconds(_setup.Percentile(0.50)))
            .Append(", p99 ").Append(Milliseconds(_setup.Percentile(0.99)));
        return line.ToString();

        static void AppendKind(StringBuilder line, ref string separator, string kind, long count)
        {
            if (count > 0)
            {
                line.Append(separator).Append(kind).Append('=').Append(count.ToString(CultureInfo.InvariantCulture));
                separator = ", ";
            }
        }

        static string Milliseconds(TimeSpan? value) =>
            value is { } v ? v.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture) + " ms" : "n/a";
    }
}
