using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;

namespace SipDialogs.Hosting;

/// <summary>
/// The UAS of <c>sipdialogs serve --mode uas</c>: rings if asked, answers every INVITE with 200 and its SDP, and hangs
/// up after a set time if asked. It answers on the call's shard, without a thread hop; the dialog layer does the rest
/// (2xx until ACK and BYE when none comes, RFC 3261 §13.3.1.4; re-INVITE, UPDATE, INFO, OPTIONS and BYE in the dialog).
/// </summary>
internal sealed class CallAnsweringUas : UasCore
{
    private readonly SipStack _stack;
    private readonly CallAnsweringOptions _options;
    private readonly byte[] _sdp;

    public CallAnsweringUas(SipStack stack, CallAnsweringOptions options)
    {
        _stack = stack;
        _options = options;
        _sdp = Encoding.UTF8.GetBytes(options.AnswerSdp ?? CallAnsweringOptions.DefaultSdp);
    }

    public override string Allow => DialogLayer.Allow;

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Supported => DialogLayer.Supported;

    /// <inheritdoc/>
    protected override void HandleOutOfDialog(SipServerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Request.Method != SipMethods.Invite)
        {
            base.HandleOutOfDialog(request);
            return;
        }

        if (_stack.DialogLayer.CreateIncomingCall(request.Transaction) is not { } call)
        {
            return; // Answered 422 (RFC 4028 §9).
        }

        // RFC 3891 §3: a call that replaces a dialog is answered once that dialog is found, back on this shard.
        if (!_stack.DialogLayer.HoldForReplaces(call, static (c, s) => s.uas.Answer(s.request, c), (uas: this, request)))
        {
            Answer(request, call);
        }
    }

    private void Answer(SipServerRequest request, IncomingCall call)
    {
        TimeSpan hangUp = _options.HangUpAfter ?? TimeSpan.Zero;
        try
        {
            if (_options.RingFor is { } ring && ring > TimeSpan.Zero)
            {
                call.Provisional(180, null, "application/sdp");
                call.AnswerAfter(ring, _sdp, hangUp);
            }
            else
            {
                call.Answer(_sdp, "application/sdp", hangUp);
            }
        }
        catch (InvalidOperationException)
        {
            request.Respond(400, "Cannot Establish Dialog"); // The INVITE has no usable Contact, or its dialog exists.
        }
    }
}
