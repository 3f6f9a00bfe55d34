using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SipDialogs.Sdp;

/// <summary>
/// The local side's media capabilities (RFC 3264 §5, §6): its address and, per media kind, what it accepts. One
/// instance can serve every call; <see cref="OfferAnswerSession"/> builds each call's offers and answers from it.
/// </summary>
public sealed class MediaCapabilities
{
    private readonly MediaCapability[] _media;

    /// <summary>Creates capabilities.</summary>
    /// <param name="connection">The address media is received on, written as the session-level <c>c=</c>.</param>
    /// <param name="media">One capability per media kind, in the order an initial offer lists them.</param>
    /// <param name="sessionName">The <c>s=</c> text; <c>"-"</c> by default (RFC 8866 §5.3).</param>
    /// <exception cref="ArgumentException">Two capabilities are for the same media kind and protocol.</exception>
    public MediaCapabilities(SdpConnection connection, IReadOnlyList<MediaCapability> media, string sessionName = "-")
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(media);
        SdpGrammar.ThrowIfNotLineText(sessionName, nameof(sessionName));
        _media = new MediaCapability[media.Count];
        for (int i = 0; i < _media.Length; i++)
        {
            MediaCapability capability = media[i] ?? throw new ArgumentException("A capability is null.", nameof(media));
            for (int j = 0; j < i; j++)
            {
                if (Same(_media[j], capability.Media, capability.Proto))
                {
                    throw new ArgumentException($"Two capabilities for {capability.Media} over {capability.Proto}.", nameof(media));
                }
            }

            _media[i] = capability;
        }

        Connection = connection;
        SessionName = sessionName;
    }

    /// <summary>The session-level address.</summary>
    public SdpConnection Connection { get; }

    /// <summary>The capabilities per media kind.</summary>
    public IReadOnlyList<MediaCapability> Media => _media;

    /// <summary>The <c>s=</c> text.</summary>
    public string SessionName { get; }

    /// <summary>
    /// Audio only, as a phone does: one stream on <paramref name="port"/> of <paramref name="address"/> with the
    /// given formats, most preferred first, e.g. <c>Audio("192.0.2.1", 40000, MediaFormat.Pcmu, MediaFormat.Pcma,
    /// MediaFormat.TelephoneEvent)</c>.
    /// </summary>
    /// <param name="address">The IPv4 or IPv6 address media is received on.</param>
    /// <param name="port">The RTP port.</param>
    /// <param name="formats">The formats, most preferred first.</param>
    /// <returns>The capabilities.</returns>
    public static MediaCapabilities Audio(string address, int port, params MediaFormat[] formats) =>
        new(new SdpConnection(address), [new MediaCapability("audio", [port], formats)]);

    /// <summary>
    /// Reads capabilities from a description written as one (RFC 3264 §9), e.g. a file an operator gives: its
    /// <c>c=</c> address (session level, else the first media's), and per <c>m=</c> line its port, protocol, the
    /// formats it lists in that order (those whose encoding is known: static ones, or dynamic ones with
    /// <c>a=rtpmap</c>), <c>a=ptime</c>, its direction and its own <c>c=</c>. A second <c>m=</c> line of the same media
    /// and protocol adds its port for a second stream.
    /// </summary>
    /// <param name="description">The description.</param>
    /// <param name="capabilities">The capabilities, or null.</param>
    /// <param name="reason">Why the description cannot serve as capabilities; empty when it can.</param>
    /// <returns>True when it can.</returns>
    public static bool TryCreate(SessionDescription description, [NotNullWhen(true)] out MediaCapabilities? capabilities, out string reason)
    {
        ArgumentNullException.ThrowIfNull(description);
        capabilities = null;
        SdpConnection? connection = description.Connection ?? (description.Media.Count > 0 ? description.Media[0].Connection : null);
        if (connection is null)
        {
            reason = "No c= line gives the media address";
            return false;
        }

        var media = new List<MediaCapability>(description.Media.Count);
        for (int i = 0; i < description.Media.Count; i++)
        {
            MediaDescription m = description.Media[i];
            string line = (i + 1).ToString(CultureInfo.InvariantCulture);
            if (m.Port == 0)
            {
                reason = "m= line " + line + " has port 0";
                return false;
            }

            int same = media.FindIndex(c => Same(c, m.Media, m.Proto));
            if (same >= 0)
            {
                MediaCapability first = media[same];
                media[same] = new MediaCapability(first.Media, [.. first.Ports, m.Port], first.Formats, first.Proto, first.Direction, first.Ptime, first.Connection);
                continue;
            }

            var formats = new List<MediaFormat>(m.Formats.Count);
            foreach (string format in m.Formats)
            {
                if (m.TryGetFormat(format, out MediaFormat? known) && formats.FindIndex(f => f.PayloadType == known.PayloadType) < 0)
                {
                    formats.Add(known);
                }
            }

            if (formats.Count == 0)
            {
                reason = "m= line " + line + " lists no format whose encoding is known (a dynamic payload type needs a=rtpmap)";
                return false;
            }

            media.Add(new MediaCapability(
                m.Media, [m.Port], formats, m.Proto, description.GetDirection(m), m.Ptime, ReferenceEquals(m.Connection, connection) ? null : m.Connection));
        }

        capabilities = new MediaCapabilities(connection, media, description.SessionName);
        reason = string.Empty;
        return true;
    }

    /// <summary>The capability for a stream of <paramref name="media"/> over <paramref name="proto"/>, or null.</summary>
    internal MediaCapability? Find(string media, string proto)
    {
        foreach (MediaCapability capability in _media)
        {
            if (Same(capability, media, proto))
            {
                return capability;
            }
        }

        return null;
    }

    // Media types and protocols are compared without regard to case: agents differ in how they spell them.
    private static bool Same(MediaCapability capability, string media, string proto) =>
        capability.Media.Equals(media, StringComparison.OrdinalIgnoreCase) && capability.Proto.Equals(proto, StringComparison.OrdinalIgnoreCase);
}
