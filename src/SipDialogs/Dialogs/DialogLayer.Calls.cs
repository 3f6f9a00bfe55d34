using SipDialogs.Dns;
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
    /// <param name="target">The Request-URI; a host name (or the first route's) is located by RFC 3263 unless <see cref="InviteOptions.NextHop"/> is given.</param>
    /// <param name="options">From, To, the offer, extra headers.</param>
    /// <param name="cancellationToken">Cancels the call while it has no final response (CANCEL, RFC 3261 §9.1).</param>
    /// <returns>The call.</returns>
    /// <exception cref="ArgumentException">The target is no SIP URI, or names a host DNS has no usable address for.</exception>
    /// <exception cref="SipTransportException">The stack does not listen on the transport the target needs.</exception>
    public async Task<OutgoingCall> InviteAsync(string target, InviteOptions options, CancellationToken cancellationToken)
    {
        IReadOnlyList<SipEndPoint> alternatives = [];
        SipEndPoint nextHop;
        string destination = options.Routes.Count > 0 ? options.Routes[0] : target; // RFC 3261 §8.1.2: the first route, else the Request-URI.
        if (options.NextHop is { } given)
        {
            nextHop = given;
        }
        else if (SipTargets.TryResolve(destination, out SipEndPoint resolved))
        {
            nextHop = resolved;
        }
        else
        {
            // RFC 3263: a name is looked up here, on the caller's thread, never on a shard; the INVITE is then posted to it.
            alternatives = await LocateAsync(destination, cancellationToken).ConfigureAwait(false);
            nextHop = alternatives[0];
        }

        string callId = options.CallId ?? SipIds.NewCallId();
        RequestVia probe = _transactions.CreateVia(nextHop, 1024 + (options.SessionDescription?.Length ?? 0));
        SipEndPoint local = _transport.GetLocalEndPoint(probe.Target.Protocol)
            ?? throw new SipTransportException($"Not listening on {probe.Target.Protocol}.");
        var recipe = new OutgoingCall.InviteRecipe(target, options, local, LocalContact(local), callId, SessionTimers, Transactions.UserAgent);
        SipMessageBuilder invite = recipe.Build();
        invite.InsertFirst(SipHeaderKind.Via, probe.Value);
        var request = (SipRequest)invite.Build();
        Shard shard = Shards.GetShard(request.CallIdBytes);
        var call = new OutgoingCall(this, shard, recipe, request, probe.Target, alternatives);
        await shard.RunAsync(static s => s.call.Start(s.cancellationToken), (call, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        return call;
    }

    /// <summary>The addresses of a SIP URI with a host name, in the order RFC 3263 tries them (NAPTR, SRV, A/AAAA).</summary>
    /// <exception cref="ArgumentException">It is no SIP URI, or the name has no usable address; the message says why.</exception>
    private async Task<IReadOnlyList<SipEndPoint>> LocateAsync(string destination, CancellationToken cancellationToken)
    {
        int lt = destination.IndexOf('<', StringComparison.Ordinal);
        int gt = destination.IndexOf('>', StringComparison.Ordinal);
        string text = lt >= 0 && gt > lt ? destination[(lt + 1)..gt] : destination;
        if (!AddrSpec.TryParse(text, out AddrSpec? spec, out _) || spec is not SipUri uri)
        {
            throw new ArgumentException($"'{destination}' is not a SIP URI.", nameof(destination));
        }

        SipLocateResult located = await Locator.LocateAsync(uri, cancellationToken).ConfigureAwait(false);
        if (!located.Succeeded || located.Targets.Count == 0)
        {
            throw new ArgumentException($"'{uri.Host}' could not be located (RFC 3263): {located}.", nameof(destination));
        }

        return located.Targets;
    }
}
