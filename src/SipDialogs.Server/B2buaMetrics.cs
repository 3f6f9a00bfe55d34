using System.Diagnostics.Metrics;
using SipDialogs.Bridging;

namespace SipDialogs.Server;

/// <summary>
/// The B2BUA's own instruments on the meter <c>SipDialogs</c>, beside the stack's (whose call and dialog instruments
/// carry <c>mode="b2bua"</c> in this mode): bridged calls up, refused before any B leg by reason, and ended by cause.
/// Counters added to with <see cref="Interlocked"/>; read when a listener collects. Any thread.
/// </summary>
internal sealed class B2buaMetrics
{
    /// <summary>Why a call was refused before any B leg; the attribute values of <c>sipdialogs.bridge.refused</c>.</summary>
    public static readonly string[] RefusalReasons = ["forbidden", "loop", "too_many_hops", "max_calls", "no_route"];

    private static readonly CallEndCause[] s_causes = Enum.GetValues<CallEndCause>();
    private readonly Meter _meter;
    private readonly long[] _refused = new long[RefusalReasons.Length];
    private readonly long[] _ended = new long[s_causes.Length];

    public B2buaMetrics(IMeterFactory meterFactory, Func<int> active)
    {
        _meter = meterFactory.Create(MeterNames.Stack); // The factory owns the meter, which the stack shares: not disposed here.
        _meter.CreateObservableUpDownCounter(
            "sipdialogs.bridge.active", () => new Measurement<long>(active(), new KeyValuePair<string, object?>("mode", "b2bua")), "{call}",
            "Bridged calls up (two legs each), those being set up included.");
        _meter.CreateObservableCounter("sipdialogs.bridge.refused", ObserveRefused, "{call}",
            "Calls refused before any B leg, by reason: forbidden (403), loop (482), too_many_hops (483), max_calls (503), no_route (404).");
        _meter.CreateObservableCounter("sipdialogs.bridge.ended", ObserveEnded, "{call}",
            "Bridged calls ended, by cause: bye, cancelled, rejected, refused, session_expired, ack_timeout, request_failed, ended.");
    }

    /// <summary>A call was refused before any B leg.</summary>
    /// <param name="reason">An index into <see cref="RefusalReasons"/>.</param>
    public void Refused(int reason) => Interlocked.Increment(ref _refused[reason]);

    /// <summary>A call ended.</summary>
    public void Ended(CallEndCause cause) => Interlocked.Increment(ref _ended[(int)cause]);

    private IEnumerable<Measurement<long>> ObserveRefused()
    {
        for (int i = 0; i < RefusalReasons.Length; i++)
        {
            yield return new Measurement<long>(
                Volatile.Read(ref _refused[i]), new KeyValuePair<string, object?>("mode", "b2bua"), new KeyValuePair<string, object?>("reason", RefusalReasons[i]));
        }
    }

    private IEnumerable<Measurement<long>> ObserveEnded()
    {
        for (int i = 1; i < s_causes.Length; i++)
        {
            yield return new Measurement<long>(
                Volatile.Read(ref _ended[i]), new KeyValuePair<string, object?>("mode", "b2bua"),
                new KeyValuePair<string, object?>("sipdialogs.bridge.end_cause", Snake(s_causes[i])));
        }
    }

    private static string Snake(CallEndCause cause) => cause switch
    {
        CallEndCause.SessionExpired => "session_expired",
        CallEndCause.AckTimeout => "ack_timeout",
        CallEndCause.RequestFailed => "request_failed",
        _ => cause.ToString().ToLowerInvariant(),
    };
}
