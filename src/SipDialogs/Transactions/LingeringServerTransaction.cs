using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// A server transaction after its final response, for the up to 64*T1 it lingers (RFC 3261 §17.2.1 Completed and
/// Confirmed, §17.2.2 Completed, RFC 6026 §7.1 Accepted): it keeps the key it is matched by, the exact bytes of the
/// final response where they may be resent, the route they take, and its timers; nothing of the request, its decoded
/// headers or the application's objects. It takes the <see cref="ServerTransaction"/>'s place in the table and on the
/// timing wheel, so that object is the application's alone and goes when the application lets go of it.
/// </summary>
internal sealed class LingeringServerTransaction : Transaction
{
    private readonly ResponseRoute _route;
    private readonly Rfc2543ToTags? _rfc2543;
    private byte[]? _response;
    private TimerHandle _timerG;
    private TimerHandle _timerEnd; // H in Completed, then I in Confirmed; J; L.
    private TimeSpan _intervalG;

    /// <summary>Takes over from <paramref name="transaction"/>, which has just sent <paramref name="response"/>.</summary>
    /// <param name="transaction">The transaction; not referred to afterwards.</param>
    /// <param name="response">The final response as sent.</param>
    /// <param name="status">Its status code.</param>
    internal LingeringServerTransaction(ServerTransaction transaction, byte[] response, int status)
        : base(transaction.Layer, transaction.Shard, transaction.Method, transaction.IsReliable, transaction.Key, transaction.TableKind)
    {
        _route = transaction.Route;
        bool invite = transaction.Method == SipMethods.Invite;
        bool accepted = invite && status < 300;
        State = accepted ? TransactionState.Accepted : TransactionState.Completed;

        // RFC 6026 §7.1: in Accepted the 2xx is the user's to resend; Completed resends the final response (§17.2.1, §17.2.2).
        _response = accepted ? null : response;
        if (TableKind == TransactionTableKind.Rfc2543Server)
        {
            // §17.2.3's RFC 2543 matching compares To tags: a retransmission carries the request's, an ACK the response's.
            _rfc2543 = new Rfc2543ToTags(transaction.Request.ToTag.ToArray(), ToTagOf(response));
        }
    }

    /// <inheritdoc/>
    public override bool IsClient => false;

    /// <summary>
    /// The To tag for the 200 to a CANCEL that comes after the final response (RFC 3261 §9.2: it SHOULD be the final
    /// response's): read from the response where it is kept; a new one in Accepted, which keeps no response (the tag
    /// is not worth 80 bytes a call for a CANCEL that changes nothing).
    /// </summary>
    internal string CancelToTag => _response is { } response && ToTagOf(response) is { Length: > 0 } tag
        ? System.Text.Encoding.UTF8.GetString(tag)
        : SipIds.NewTag();

    /// <summary>For RFC 2543 matching (§17.2.3): the To tag of the final response, which an ACK for it carries.</summary>
    internal ReadOnlySpan<byte> AckToTag => _rfc2543 is { } tags ? tags.Response : default;

    /// <summary>For RFC 2543 matching (§17.2.3): the To tag of the request, which its retransmissions carry.</summary>
    internal ReadOnlySpan<byte> RequestToTag => _rfc2543 is { } tags ? tags.Request : default;

    /// <summary>Starts the timers of the state entered. On the shard.</summary>
    internal void Start()
    {
        switch (State)
        {
            case TransactionState.Accepted:
                _timerEnd = StartTimer(TransactionTimer.TimerL, Timers.SixtyFourT1); // RFC 6026 §7.1
                break;
            case TransactionState.Completed when Method == SipMethods.Invite:
                if (!IsReliable)
                {
                    _intervalG = Timers.T1;
                    _timerG = StartTimer(TransactionTimer.TimerG, _intervalG);
                }

                _timerEnd = StartTimer(TransactionTimer.TimerH, Timers.SixtyFourT1);
                break;
            default:
                _timerEnd = StartTimer(TransactionTimer.TimerJ, Timers.SixtyFourT1); // §17.2.2; UDP only, see Linger.
                break;
        }
    }

    /// <summary>A retransmission of the request (§17.2.1, §17.2.2): the final response again in Completed; else absorbed.</summary>
    internal void OnRetransmission()
    {
        if (State == TransactionState.Completed)
        {
            Send(_response!);
        }
    }

    /// <summary>An ACK matched (§17.2.3): Completed goes to Confirmed; in Accepted it goes to the user (RFC 6026 §7.1).</summary>
    /// <param name="ack">The ACK.</param>
    internal void OnAck(InboundMessage ack)
    {
        switch (State)
        {
            case TransactionState.Completed when Method == SipMethods.Invite:
                StopTimer(ref _timerG);
                StopTimer(ref _timerEnd); // Timer H.
                _response = null; // Never resent again.
                State = TransactionState.Confirmed;
                if (IsReliable)
                {
                    Terminate(); // Timer I is zero on a reliable transport.
                }
                else
                {
                    _timerEnd = StartTimer(TransactionTimer.TimerI, Timers.T4);
                }

                break;
            case TransactionState.Accepted:
                Layer.NotifyAck(Shard, ack, this);
                break;

                // Confirmed absorbs retransmitted ACKs.
        }
    }

    /// <summary>A response from the user after the final one: only a 2xx in Accepted is sent (RFC 6026 §7.1).</summary>
    /// <returns>True when sent.</returns>
    internal bool OnRespond(byte[] response, int status)
    {
        if (State != TransactionState.Accepted || status is < 200 or >= 300)
        {
            return false;
        }

        Send(response);
        return true;
    }

    internal override void OnTransportError(SipTransportException error)
    {
        switch (State)
        {
            case TransactionState.Completed:
                Layer.NotifyTransportError(this, error);
                Terminate();
                break;
            case TransactionState.Accepted:
                // The 2xx and its retransmissions are the user's (RFC 6026 §7.1): tell it, keep absorbing INVITEs.
                Layer.NotifyTransportError(this, error);
                break;
        }
    }

    private protected override void OnTimer(TransactionTimer timer)
    {
        switch (timer)
        {
            case TransactionTimer.TimerG when State == TransactionState.Completed:
                Layer.Metrics?.Retransmitted();
                Send(_response!);
                _intervalG = _intervalG + _intervalG < Timers.T2 ? _intervalG + _intervalG : Timers.T2;
                _timerG = StartTimer(TransactionTimer.TimerG, _intervalG);
                break;
            case TransactionTimer.TimerH when State == TransactionState.Completed:
                // §17.2.1: no ACK within 64*T1; tell the user and end.
                _timerEnd = default;
                StopTimer(ref _timerG);
                Layer.NotifyTimeout(this);
                Terminate();
                break;
            case TransactionTimer.TimerI when State == TransactionState.Confirmed:
            case TransactionTimer.TimerJ when State == TransactionState.Completed:
            case TransactionTimer.TimerL when State == TransactionState.Accepted:
                _timerEnd = default;
                Terminate();
                break;
        }
    }

    private protected override void CancelTimers()
    {
        StopTimer(ref _timerG);
        StopTimer(ref _timerEnd);
    }

    private protected override void OnTerminated() => _response = null;

    private void Send(byte[] response) => Layer.SendResponse(this, _route, response);

    private static byte[] ToTagOf(byte[] response) =>
        SipMessageParser.TryParse(response, out SipMessage? parsed, out _) ? parsed!.ToTag.ToArray() : [];

    /// <summary>The To tags RFC 2543 matching compares (§17.2.3): kept apart, as only such old peers need them.</summary>
    private sealed record Rfc2543ToTags(byte[] Request, byte[] Response);
}
