using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>Outgoing calls (RFC 3261 §13.2): the stack's and the referred calls of accepted REFERs start here.</summary>
internal sealed partial class DialogLayer
{
    /// <summary>
    /// Places a call: builds the INVITE (RFC 3261 §8.1.1, §13.2.1; RFC 4028 §7.1 when session timers are on), starts its
    /// transaction on the shard of its new Call-ID and returns the call once the INVITE is on its way. Any thread.
    /// </summary>
    /// <param name="target">The Request-URI; its host must be an IP address unless <see cref="InviteOptions.NextHop"/> is given.</param>
    /// <param name="options">From, To, the offer, extra headers.</param>
    /// <param name="cancellationToken">Cancels the call while it has no final response (CANCEL, RFC 3261 §9.1).</param>
    /// <returns>The call.</returns>
    /// <exception cref="ArgumentException">The target names a host this stack cannot resolve.</exception>
    /// <exception cref="SipTransportException">The stack does not listen on the transport the target needs.</exception>
    public async Task<OutgoingCall> InviteAsync(string target, InviteOptions options, CancellationToken cancellationToken)
    {
        SipEndPoint nextHop = options.NextHop
            ?? (SipTargets.TryResolve(target, out SipEndPoint resolved)
                ? resolved
                : throw new ArgumentException($"'{target}' is not a SIP URI with an IP address; give InviteOptions.NextHop (names are not resolved yet).", nameof(target)));
        string callId = options.CallId ?? SipIds.NewCallId();
        RequestVia probe = _transactions.CreateVia(nextHop, 1024 + (options.SessionDescription?.Length ?? 0));
        SipEndPoint local = _transport.GetLocalEndPoint(probe.Target.Protocol)
            ?? throw new SipTransportException($"Not listening on {probe.Target.Protocol}.");
        var recipe = new OutgoingCall.InviteRecipe(target, options, local, callId, SessionTimers, Transactions.UserAgent);
        SipMessageBuilder invite = recipe.Build();
        invite.InsertFirst(SipHeaderKind.Via, probe.Value);
        var request = (SipRequest)invite.Build();
        Shard shard = Shards.GetShard(request.CallIdBytes);
        var call = new OutgoingCall(this, shard, recipe, request, probe.Target);
        await shard.RunAsync(static s => s.call.Start(s.cancellationToken), (call, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        return call;
    }
}
