namespace SipDialogs.Sdp;

/// <summary>
/// What the local side accepts for one kind of media (RFC 3264 §5, §6): the formats in order of preference, the
/// ports its streams may use, the transport protocol, and how far it can send and receive.
/// </summary>
public sealed class MediaCapability
{
    private readonly MediaFormat[] _formats;
    private readonly int[] _ports;

    /// <summary>Creates a capability.</summary>
    /// <param name="media">The media type, e.g. <c>"audio"</c>.</param>
    /// <param name="ports">The ports streams of this kind use, one per stream: the first stream offered gets the first
    /// port, and so on; a stream beyond these is rejected. RTP wants even ports (RFC 3550 §11).</param>
    /// <param name="formats">The formats accepted, most preferred first: an answer lists the common ones in this
    /// order. Payload types must differ.</param>
    /// <param name="proto">The transport protocol, e.g. <c>"RTP/AVP"</c>; a stream offered over another is rejected.</param>
    /// <param name="direction">How far this side can go: <see cref="SdpDirection.SendRecv"/>, or less for a side
    /// that only plays (<see cref="SdpDirection.SendOnly"/>) or only records (<see cref="SdpDirection.RecvOnly"/>).</param>
    /// <param name="ptime">The packet time in milliseconds to ask for with <c>a=ptime</c> (RFC 8866 §6.4), or null.</param>
    /// <param name="connection">The address of these streams when not the session's (a media-level <c>c=</c>), or null.</param>
    /// <exception cref="ArgumentException">A list is empty, a port is out of range, or two formats share a payload type.</exception>
    public MediaCapability(
        string media,
        IReadOnlyList<int> ports,
        IReadOnlyList<MediaFormat> formats,
        string proto = "RTP/AVP",
        SdpDirection direction = SdpDirection.SendRecv,
        int? ptime = null,
        SdpConnection? connection = null)
    {
        SdpGrammar.ThrowIfNotToken(media, nameof(media));
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(formats);
        ArgumentNullException.ThrowIfNull(proto);
        if (ports.Count == 0 || formats.Count == 0)
        {
            throw new ArgumentException("A capability has at least one port and one format.", ports.Count == 0 ? nameof(ports) : nameof(formats));
        }

        _ports = new int[ports.Count];
        for (int i = 0; i < _ports.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ports[i], nameof(ports));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(ports[i], 65535, nameof(ports));
            _ports[i] = ports[i];
        }

        _formats = new MediaFormat[formats.Count];
        for (int i = 0; i < _formats.Length; i++)
        {
            MediaFormat format = formats[i] ?? throw new ArgumentException("A format is null.", nameof(formats));
            for (int j = 0; j < i; j++)
            {
                if (_formats[j].PayloadType == format.PayloadType)
                {
                    throw new ArgumentException($"Two formats have payload type {format.PayloadType}.", nameof(formats));
                }
            }

            _formats[i] = format;
        }

        if (ptime is { } milliseconds)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(milliseconds, nameof(ptime));
        }

        // Checked by the m= line it will be written into.
        _ = new MediaDescription(media, _ports[0], proto, ["0"]);
        Media = media;
        Proto = proto;
        Direction = direction;
        Ptime = ptime;
        Connection = connection;
    }

    /// <summary>The media type, e.g. <c>"audio"</c>.</summary>
    public string Media { get; }

    /// <summary>The ports streams of this kind use, one per stream.</summary>
    public IReadOnlyList<int> Ports => _ports;

    /// <summary>The formats accepted, most preferred first.</summary>
    public IReadOnlyList<MediaFormat> Formats => _formats;

    /// <summary>The transport protocol.</summary>
    public string Proto { get; }

    /// <summary>How far this side can send and receive.</summary>
    public SdpDirection Direction { get; }

    /// <summary>The <c>a=ptime</c> to write, or null.</summary>
    public int? Ptime { get; }

    /// <summary>The media-level address, or null for the session's.</summary>
    public SdpConnection? Connection { get; }
}
