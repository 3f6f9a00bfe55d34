using SipDialogs.Auth;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>How <see cref="Hosting.SipStack.InviteAsync"/> places a call.</summary>
public sealed class InviteOptions
{
    private int _maxForwards = 70;

    /// <summary>The From address (a name-addr without tag); <c>&lt;sip:sipdialogs@local-address&gt;</c> when null.</summary>
    public string? From { get; set; }

    /// <summary>The To address (a name-addr without tag); the target URI when null.</summary>
    public string? To { get; set; }

    /// <summary>The offer (RFC 3264) carried by the INVITE, or null for none.</summary>
    public string? SessionDescription { get; set; }

    /// <summary>The offer's content type.</summary>
    public string ContentType { get; set; } = "application/sdp";

    /// <summary>
    /// The first hop (an outbound proxy), or null to send to the address of the first of <see cref="Routes"/>, else of the
    /// target URI, a host name of which is located by RFC 3263 (NAPTR, SRV, A/AAAA).
    /// </summary>
    public SipEndPoint? NextHop { get; set; }

    /// <summary>
    /// For an INVITE without <see cref="SessionDescription"/> (a delayed offer, RFC 3264 §5): the 2xx carries the
    /// callee's offer and the answer goes in the ACK (RFC 3261 §13.2.2.4). When true, the stack holds the ACK of the
    /// answering 2xx until <see cref="Dialog.AckAsync"/> gives it the answer (a BYE sent first sends it without one);
    /// when false, the default, the 2xx is acknowledged at once, without a body. Ignored when the INVITE has an offer.
    /// </summary>
    public bool AnswerInAck { get; set; }

    /// <summary>Route headers to put in the INVITE (a preloaded route set, RFC 3261 §8.1.1.1), each a name-addr.</summary>
    public IList<string> Routes { get; } = [];

    /// <summary>
    /// Called with each dialog the call makes (one per fork that answers with a tag), on the thread pool, never on a
    /// shard, before any event of that dialog: subscribe to its events here, so that none is missed (an event's
    /// handlers are read when it is delivered, and delivery waits for this callback). It must not block; an exception
    /// it throws is logged and counted.
    /// </summary>
    public Action<Dialog>? DialogCreated { get; set; }

    /// <summary>
    /// Answers a 401 or 407 to the INVITE (RFC 3261 §22.2, §22.3): the INVITE is sent again with credentials and the
    /// next CSeq, once per challenge (a stale nonce and each proxy on the way may challenge); credentials refused a
    /// second time end the call with that response. Null (the default) to fail on a challenge. One client may serve
    /// many calls.
    /// </summary>
    public DigestClient? Digest { get; set; }

    /// <summary>
    /// The INVITE's Max-Forwards (RFC 3261 §8.1.1.6): 70 by default; a B2BUA passes on one less than it received
    /// (§16.6 step 3), so that a call looping through B2BUAs runs out.
    /// </summary>
    public int MaxForwards
    {
        get => _maxForwards;
        set => _maxForwards = value is >= 0 and <= 255 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Max-Forwards is 0 to 255.");
    }

    /// <summary>
    /// The call's Call-ID, or null (the default) for a new random one (RFC 3261 §8.1.1.4). Give one drawn from
    /// <see cref="Messages.SipIds.NewCallId()"/> to know it before the INVITE leaves, e.g. to recognise the call coming back in a loop.
    /// </summary>
    public string? CallId { get; set; }

    /// <summary>Extra headers to put in the INVITE, as name and value.</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = [];
}
