using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Internal;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Hosting;

/// <summary>
/// A UAS that takes calls (RFC 3261 §13.3): rings if asked, answers INVITE with 200 and an SDP answer, keeps the
/// dialog in the shard's store, retransmits the 2xx until the ACK comes and ends the dialog with BYE when it never
/// does (§13.3.1.4), answers BYE (§15.1.2), re-INVITE, UPDATE, INFO and OPTIONS inside the dialog, 500 for a request
/// out of CSeq order (§12.2.2) and 481 outside any dialog it holds. Everything runs on the call's shard.
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

    public override string Allow => "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO";

    public override IReadOnlyCollection<string> Supported => [];

    private ShardedDialogStore Dialogs => _stack.Dialogs!;

    private SipTimerOptions Timers => _stack.Transactions.TimerOptions;

    /// <summary>An ACK outside a transaction: the one for our 2xx (§13.3.1.4) ends its retransmissions.</summary>
    public void OnAck(InboundMessage ack)
    {
        var request = (SipRequest)ack.Message;
        if (Dialogs.TryGet(DialogId.ForUas(request), out Dialog? dialog) && dialog.UserState is AnsweredCall call)
        {
            dialog.ReceiveRequest(request);
            call.Acknowledged();
        }
    }

    /// <inheritdoc/>
    public override void OnCancel(SipServerRequest invite)
    {
        ArgumentNullException.ThrowIfNull(invite);
        AnsweredCall.CancelRinging(invite.Transaction);
        invite.Respond(487);
    }

    /// <inheritdoc/>
    protected override void HandleOutOfDialog(SipServerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Request.Method != SipMethods.Invite)
        {
            base.HandleOutOfDialog(request);
            return;
        }

        var call = new AnsweredCall(this, request);
        if (_options.RingFor is { } ring && ring > TimeSpan.Zero)
        {
            request.Respond(request.CreateResponse(180).Add(SipHeaderKind.Contact, LocalContact(request)));
            call.RingThenAnswer(ring);
        }
        else
        {
            call.Answer();
        }
    }

    /// <inheritdoc/>
    protected override bool HandleInDialog(SipServerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        SipRequest message = request.Request;
        if (!Dialogs.TryGet(DialogId.ForUas(message), out Dialog? dialog) || dialog.UserState is not AnsweredCall call)
        {
            return false;
        }

        if (dialog.ReceiveRequest(message) == InDialogRequestResult.OutOfOrder)
        {
            request.Respond(500, "CSeq Out Of Order"); // RFC 3261 §12.2.2
            return true;
        }

        switch (message.Method)
        {
            case SipMethods.Bye:
                request.Respond(200); // RFC 3261 §15.1.2
                call.End();
                break;
            case SipMethods.Invite:
                call.AnswerReInvite(request); // A target refresh; the same SDP answers again.
                break;
            case SipMethods.Update:
            case SipMethods.Info:
            case SipMethods.Options:
                request.Respond(200);
                break;
            default:
                request.Respond(request.CreateResponse(405).Add(SipHeaderKind.Allow, Allow));
                break;
        }

        return true;
    }

    private static string LocalContact(SipServerRequest request)
    {
        SipEndPoint local = request.Local;
        string host = local.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? "[" + local.Address.Address + "]"
            : local.Address.Address.ToString();
        string transport = local.Protocol == SipTransportProtocol.Udp ? string.Empty : ";transport=" + local.ViaTransport.ToLowerInvariant();
        return string.Create(CultureInfo.InvariantCulture, $"<sip:uas@{host}:{local.Address.Port}{transport}>");
    }

    /// <summary>One answered call: its dialog, the 2xx being retransmitted, and its timers (on the call's shard).</summary>
    private sealed class AnsweredCall : ITimerTarget
    {
        private const int TimerAnswer = 1;
        private const int TimerRetransmit2xx = 2;
        private const int TimerNoAck = 3;
        private const int TimerHangUp = 4;

        private readonly CallAnsweringUas _owner;
        private readonly SipServerRequest _invite;
        private readonly Shard _shard;
        private Dialog? _dialog;
        private byte[]? _ok;
        private InboundMessage? _okRequest;
        private ViaHeader? _okVia;
        private TimeSpan _interval;
        private TimerHandle _answer;
        private TimerHandle _retransmit;
        private TimerHandle _noAck;
        private TimerHandle _hangUp;

        public AnsweredCall(CallAnsweringUas owner, SipServerRequest invite)
        {
            _owner = owner;
            _invite = invite;
            _shard = invite.Transaction.Shard;
        }

        public static void CancelRinging(ServerTransaction invite)
        {
            if (invite.UserState is AnsweredCall call)
            {
                call.Stop(ref call._answer);
            }
        }

        public void RingThenAnswer(TimeSpan ring)
        {
            _invite.Transaction.UserState = this;
            _answer = _shard.Timers.Schedule(ring, this, TimerAnswer);
        }

        public void Answer()
        {
            SipServerRequest request = _invite;
            string contact = LocalContact(request);
            SipMessageBuilder ok = request.CreateResponse(200)
                .CopyHeaders(request.Request, SipHeaderKind.RecordRoute) // RFC 3261 §12.1.1
                .Add(SipHeaderKind.Contact, contact)
                .Add(SipHeaderKind.Allow, _owner.Allow)
                .WithBody("application/sdp", _owner._sdp);
            if (!Dialog.TryCreateAsUas(request.Request, 200, request.Transaction.LocalTag, contact, request.Local.Protocol == SipTransportProtocol.Tls, out Dialog? dialog))
            {
                request.Respond(400, "Cannot Establish Dialog");
                return;
            }

            dialog.UserState = this;
            if (!_owner.Dialogs.TryAdd(dialog))
            {
                request.Respond(500, "Dialog Exists");
                return;
            }

            _dialog = dialog;
            SendFinal(_invite, ok);
        }

        public void AnswerReInvite(SipServerRequest reInvite)
        {
            Stop(ref _retransmit);
            Stop(ref _noAck);
            SipMessageBuilder ok = reInvite.CreateResponse(200)
                .Add(SipHeaderKind.Contact, LocalContact(reInvite))
                .WithBody("application/sdp", _owner._sdp);
            _ok = null;
            _invite.Transaction.UserState = null;
            SendFinal(reInvite, ok);
        }

        public void Acknowledged()
        {
            Stop(ref _retransmit);
            Stop(ref _noAck);
            _ok = null;
            _okRequest = null; // The request's bytes are not needed once the ACK came.
            _okVia = null;
            if (_owner._options.HangUpAfter is { } after && !_hangUp.IsSet)
            {
                _hangUp = _shard.Timers.Schedule(after, this, TimerHangUp);
            }
        }

        public void End()
        {
            Stop(ref _answer);
            Stop(ref _retransmit);
            Stop(ref _noAck);
            Stop(ref _hangUp);
            if (_dialog is { } dialog)
            {
                dialog.Terminate();
                _owner.Dialogs.Remove(dialog.Id);
                dialog.UserState = null;
            }
        }

        public void OnTimer(int timer)
        {
            switch (timer)
            {
                case TimerAnswer:
                    _answer = default;
                    if (!_invite.HasFinalResponse)
                    {
                        Answer();
                    }

                    break;
                case TimerRetransmit2xx:
                    // RFC 3261 §13.3.1.4: T1, doubling up to T2, until the ACK.
                    _retransmit = default;
                    if (_ok is { } bytes && _okRequest is { } request && _okVia is { } via)
                    {
                        Send(bytes, via, request);
                        _interval = _interval * 2 < _owner.Timers.T2 ? _interval * 2 : _owner.Timers.T2;
                        _retransmit = _shard.Timers.Schedule(_interval, this, TimerRetransmit2xx);
                    }

                    break;
                case TimerNoAck:
                    // No ACK within 64*T1: confirm and end the dialog with BYE (§13.3.1.4).
                    _noAck = default;
                    HangUp();
                    break;
                case TimerHangUp:
                    _hangUp = default;
                    HangUp();
                    break;
            }
        }

        private void SendFinal(SipServerRequest transaction, SipMessageBuilder ok)
        {
            var writer = new ArrayBufferWriter<byte>(1024);
            ok.WriteTo(writer);
            byte[] bytes = writer.WrittenSpan.ToArray();
            if (!transaction.Transaction.Respond(bytes))
            {
                End();
                return;
            }

            // The server transaction sent the 2xx once and passes retransmission to us (RFC 6026 §7.1).
            _ok = bytes;
            _okRequest = transaction.Transaction.Received;
            _okVia = transaction.Transaction.TopVia;
            if (!_okRequest.Remote.IsReliable)
            {
                _interval = _owner.Timers.T1;
                _retransmit = _shard.Timers.Schedule(_interval, this, TimerRetransmit2xx);
            }

            _noAck = _shard.Timers.Schedule(_owner.Timers.T1 * 64, this, TimerNoAck);
        }

        private void Send(byte[] bytes, ViaHeader topVia, InboundMessage request)
        {
            if (CompletedSend.Pending(_owner._stack.Transport.SendResponseAsync(bytes, topVia, request, CancellationToken.None)) is Task pending)
            {
                _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }

        private void HangUp()
        {
            if (_dialog is not { State: not DialogState.Terminated } dialog)
            {
                End();
                return;
            }

            SipMessageBuilder bye = dialog.CreateRequest(SipMethods.Bye);
            SipEndPoint target = TargetOf(dialog, _invite.Transaction.Received.Remote);
            TransactionLayer transactions = _owner._stack.Transactions;
            RequestVia via = transactions.CreateVia(target, 512);
            bye.InsertFirst(SipHeaderKind.Via, via.Value);
            End();
            try
            {
                transactions.StartRequest((SipRequest)bye.Build(), via.Target);
            }
            catch (SipTransportException)
            {
                // The peer is gone; the dialog is already ended here.
            }
        }

        private void Stop(ref TimerHandle handle)
        {
            if (handle.IsSet)
            {
                _shard.Timers.Cancel(ref handle);
            }
        }

        /// <summary>Where an in-dialog request goes: the first route or the remote target when it is an IP address, else back to the peer.</summary>
        private static SipEndPoint TargetOf(Dialog dialog, SipEndPoint peer)
        {
            string uri = dialog.RouteSet.Count > 0 ? dialog.RouteSet[0] : dialog.RemoteTarget;
            int lt = uri.IndexOf('<', StringComparison.Ordinal);
            int gt = uri.IndexOf('>', StringComparison.Ordinal);
            ReadOnlySpan<char> text = lt >= 0 && gt > lt ? uri.AsSpan(lt + 1, gt - lt - 1) : uri.AsSpan();
            if (AddrSpec.TryParse(text, out AddrSpec? spec, out _) && spec is SipUri sip && IPAddress.TryParse(sip.Host.Trim('[', ']'), out IPAddress? address))
            {
                SipTransportProtocol protocol = sip.IsSecure || string.Equals(sip.Transport, "tls", StringComparison.OrdinalIgnoreCase) ? SipTransportProtocol.Tls
                    : string.Equals(sip.Transport, "tcp", StringComparison.OrdinalIgnoreCase) ? SipTransportProtocol.Tcp
                    : SipTransportProtocol.Udp;
                return new SipEndPoint(protocol, new IPEndPoint(address, sip.Port ?? (protocol == SipTransportProtocol.Tls ? 5061 : 5060)));
            }

            return peer;
        }
    }
}
