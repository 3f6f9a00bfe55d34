using System.Collections.Immutable;

namespace SipDialogs.Dialogs;

/// <summary>
/// A confirmed dialog as a value: everything another stack needs to carry the call on (RFC 3261 §12: identifier, URIs,
/// sequence numbers, remote target, route set, secure flag; the INVITE usage's offer/answer state, RFC 3264, and its
/// session timer, RFC 4028; every live subscription usage, RFC 6665; and a small bag of the application's data).
/// </summary>
/// <remarks>
/// <para>
/// Immutable and safe to share between threads. Made by <see cref="Hosting.SipStack.ExportDialogAsync"/> (or by a
/// store told of a change) and turned back into a running dialog by <see cref="Hosting.SipStack.ImportDialogAsync"/>.
/// <see cref="Serialize()"/> writes it in a compact, versioned binary form that <see cref="Deserialize"/> reads back.
/// </para>
/// <para>
/// What does not move: a 2xx still waiting for its ACK and an offer of this end still waiting for its answer (export
/// refuses those dialogs until they settle), and the referred call of an accepted REFER, which stays where it was placed.
/// </para>
/// </remarks>
public sealed partial class DialogSnapshot : IEquatable<DialogSnapshot>
{
    /// <summary>The Call-ID.</summary>
    public required string CallId { get; init; }

    /// <summary>This end's tag.</summary>
    public required string LocalTag { get; init; }

    /// <summary>The peer's tag (empty for a peer that sent none, RFC 3261 §12.1.1).</summary>
    public required string RemoteTag { get; init; }

    /// <summary>Whether this end sent the request that made the dialog (RFC 3261 §12.1.2).</summary>
    public bool IsUac { get; init; }

    /// <summary>The secure flag (RFC 3261 §12.1.1).</summary>
    public bool IsSecure { get; init; }

    /// <summary>The local URI, a name-addr without the tag.</summary>
    public required string LocalUri { get; init; }

    /// <summary>The remote URI, a name-addr without the tag.</summary>
    public required string RemoteUri { get; init; }

    /// <summary>This end's Contact, a name-addr (the importing stack puts its own in the requests it sends).</summary>
    public required string LocalContact { get; init; }

    /// <summary>The remote target URI (RFC 3261 §12.2).</summary>
    public required string RemoteTarget { get; init; }

    /// <summary>The route set in the order requests follow it, each a name-addr.</summary>
    public IReadOnlyList<string> RouteSet { get; init; } = [];

    /// <summary>Whether the first route is a strict router (RFC 3261 §12.2.1.1).</summary>
    public bool FirstRouteIsStrict { get; init; }

    /// <summary>The local sequence number, or null while empty (RFC 3261 §12.1.1).</summary>
    public uint? LocalCSeq { get; init; }

    /// <summary>The remote sequence number, or null while empty (RFC 3261 §12.1.2).</summary>
    public uint? RemoteCSeq { get; init; }

    /// <summary>
    /// Where requests went when neither the route set nor the remote target named an address: the transport and address
    /// the peer's messages came from, as <c>udp:192.0.2.4:5060</c>.
    /// </summary>
    public string Peer { get; init; } = string.Empty;

    /// <summary>Whether the dialog was made by a REFER and lives only for its subscriptions (RFC 6665 §4.1.2.4).</summary>
    public bool IsSubscriptionOnly { get; init; }

    /// <summary>The session description this end sent last (its offer or answer, RFC 3264); empty when none.</summary>
    public ReadOnlyMemory<byte> LocalSessionDescription { get; init; }

    /// <summary>The media type of <see cref="LocalSessionDescription"/>, empty when none.</summary>
    public string LocalSessionDescriptionType { get; init; } = string.Empty;

    /// <summary>The session description the peer sent last (its offer or answer); empty when none.</summary>
    public ReadOnlyMemory<byte> RemoteSessionDescription { get; init; }

    /// <summary>The media type of <see cref="RemoteSessionDescription"/>, empty when none.</summary>
    public string RemoteSessionDescriptionType { get; init; } = string.Empty;

    /// <summary>The session version of the local description's <c>o=</c> line (RFC 4566 §5.2), or -1 when it has none.</summary>
    public long LocalSessionVersion => SessionDescriptionVersion.Of(LocalSessionDescription.Span);

    /// <summary>The session version of the remote description's <c>o=</c> line, or -1 when it has none.</summary>
    public long RemoteSessionVersion => SessionDescriptionVersion.Of(RemoteSessionDescription.Span);

    /// <summary>The negotiated session interval in seconds (RFC 4028), 0 when the dialog has no session timer.</summary>
    public uint SessionIntervalSeconds { get; init; }

    /// <summary>Whether this end refreshes the session (RFC 4028 §7.2, §9).</summary>
    public bool IsSessionRefresher { get; init; }

    /// <summary>Whether the peer supports session timers (it put <c>timer</c> in Supported).</summary>
    public bool PeerSupportsSessionTimer { get; init; }

    /// <summary>Whether the peer's Allow lists UPDATE, so that this end refreshes the session with it rather than re-INVITE (RFC 4028 §7.4).</summary>
    public bool PeerAllowsUpdate { get; init; }

    /// <summary>When the session expires unless refreshed (the last refresh plus the interval), or null without a timer.</summary>
    public DateTimeOffset? SessionExpiresAt { get; init; }

    /// <summary>The live subscription usages.</summary>
    public IReadOnlyList<SubscriptionSnapshot> Subscriptions { get; init; } = [];

    /// <summary>The application's data carried with the dialog (see <see cref="Dialog.ApplicationData"/>); keep it small.</summary>
    public IReadOnlyDictionary<string, string> ApplicationData { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>
    /// The <see cref="Auth.DigestClient.Name"/> of the client that answers challenges to the dialog's requests
    /// (<see cref="Dialog.Digest"/>), empty when it has none or an unnamed one. Only the name moves: the importing stack
    /// answers with its own client of that name (<see cref="Hosting.SipStack.AddDigestClient"/>), so that no password
    /// or HA1 ever reaches a snapshot or a store; a nonce does not move either (the next challenge brings a new one).
    /// </summary>
    public string DigestClientName { get; init; } = string.Empty;

    /// <summary>The dialog's identifier as this end sees it.</summary>
    public DialogId Id => new(CallId, LocalTag, RemoteTag);

    /// <inheritdoc/>
    public bool Equals(DialogSnapshot? other)
    {
        if (other is null)
        {
            return false;
        }

        return CallId == other.CallId && LocalTag == other.LocalTag && RemoteTag == other.RemoteTag && IsUac == other.IsUac &&
            IsSecure == other.IsSecure && LocalUri == other.LocalUri && RemoteUri == other.RemoteUri &&
            LocalContact == other.LocalContact && RemoteTarget == other.RemoteTarget && RouteSet.SequenceEqual(other.RouteSet) &&
            FirstRouteIsStrict == other.FirstRouteIsStrict && LocalCSeq == other.LocalCSeq && RemoteCSeq == other.RemoteCSeq &&
            Peer == other.Peer && IsSubscriptionOnly == other.IsSubscriptionOnly &&
            LocalSessionDescription.Span.SequenceEqual(other.LocalSessionDescription.Span) &&
            LocalSessionDescriptionType == other.LocalSessionDescriptionType &&
            RemoteSessionDescription.Span.SequenceEqual(other.RemoteSessionDescription.Span) &&
            RemoteSessionDescriptionType == other.RemoteSessionDescriptionType &&
            SessionIntervalSeconds == other.SessionIntervalSeconds && IsSessionRefresher == other.IsSessionRefresher &&
            PeerSupportsSessionTimer == other.PeerSupportsSessionTimer && PeerAllowsUpdate == other.PeerAllowsUpdate && SessionExpiresAt == other.SessionExpiresAt &&
            Subscriptions.SequenceEqual(other.Subscriptions) && SameData(ApplicationData, other.ApplicationData) &&
            DigestClientName == other.DigestClientName;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DialogSnapshot);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(CallId, LocalTag, RemoteTag, LocalCSeq, RemoteCSeq);

    /// <inheritdoc/>
    public override string ToString() => $"dialog {CallId};{LocalTag};{RemoteTag} (local CSeq {LocalCSeq}, remote CSeq {RemoteCSeq})";

    private static bool SameData(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (KeyValuePair<string, string> pair in a)
        {
            if (!b.TryGetValue(pair.Key, out string? value) || value != pair.Value)
            {
                return false;
            }
        }

        return true;
    }
}
