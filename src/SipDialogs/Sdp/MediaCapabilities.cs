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
