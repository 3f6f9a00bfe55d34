using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace SipDialogs.Sdp;

/// <summary>
/// The local side of the RFC 3264 offer/answer model for one session (one call): answers offers from the local
/// <see cref="MediaCapabilities"/>, makes the initial offer and the re-offers that put the call on hold and take it
/// off, and keeps the origin, whose version is raised by one each time the local description changes (RFC 3264 §8).
/// </summary>
/// <remarks>
/// <para>An answer (RFC 3264 §6) has one media description per offered one, in the same order. A stream is accepted
/// when a capability exists for its media type and protocol, the offer's port is not 0, a port is left for it, and
/// at least one offered format is a local one; else it is answered with port 0, its media type and protocol, and the
/// first offered format. Formats match when the encoding name (case-insensitive), clock rate and channels agree,
/// the offer's <c>a=rtpmap</c> or, for a static payload type without one, RFC 3551 telling what it is; a static
/// payload type unknown to both matches by number. The answer lists the common formats in the order of the local
/// capability (the answerer's preference), under the offerer's payload type numbers, each with its <c>a=rtpmap</c>
/// and the local <c>a=fmtp</c> (the offer's when the local format has none). Formats that only go along with a
/// codec (<see cref="MediaFormat.IsAuxiliary"/>: telephone-event, CN) do not make a stream acceptable on their own,
/// unless the offered stream holds nothing else (a stream for DTMF alone, RFC 4317 §2.4).</para>
/// <para>The answer's direction mirrors the offer's (RFC 3264 §6.1): sendonly → recvonly, recvonly → sendonly,
/// inactive → inactive, sendrecv → sendrecv, each narrowed by what the capability allows. An offer whose connection
/// address is 0.0.0.0 (hold the old way, RFC 3264 §8.4) is read as one whose offerer does not receive. The direction
/// attribute is written when it is not sendrecv or the offer wrote one.</para>
/// <para>Not thread-safe: a call's session is used from the call's shard, or by one caller at a time.</para>
/// </remarks>
public sealed class OfferAnswerSession
{
    private SdpOrigin _origin;
    private bool _holding;
    private bool _offerPending;

    /// <summary>Creates the session with a given origin, e.g. to carry on a call whose descriptions another agent made.</summary>
    /// <param name="capabilities">What the local side accepts.</param>
    /// <param name="origin">The origin of the first local description; later ones raise its version.</param>
    public OfferAnswerSession(MediaCapabilities capabilities, SdpOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(origin);
        Capabilities = capabilities;
        _origin = origin;
    }

    /// <summary>
    /// Creates the session with a new origin: a random 62-bit session id, which is also the first version (RFC 8866
    /// §5.2 asks that the id be unique), and the capabilities' address.
    /// </summary>
    /// <param name="capabilities">What the local side accepts.</param>
    /// <param name="username">The <c>o=</c> username; <c>"-"</c> by default.</param>
    public OfferAnswerSession(MediaCapabilities capabilities, string username = "-")
        : this(capabilities, NewOrigin(capabilities, username))
    {
    }

    /// <summary>The capabilities answers and offers are made from.</summary>
    public MediaCapabilities Capabilities { get; }

    /// <summary>The origin of the last local description, or of the first one before any was made.</summary>
    public SdpOrigin Origin => _origin;

    /// <summary>The last description this side sent (offer or answer), or null.</summary>
    public SessionDescription? LocalDescription { get; private set; }

    /// <summary>The last description the other side sent (offer or answer), or null.</summary>
    public SessionDescription? RemoteDescription { get; private set; }

    /// <summary>True while this side holds the call: its re-offers send only (or are inactive).</summary>
    public bool IsHolding => _holding;

    /// <summary>
    /// Answers <paramref name="offer"/> (RFC 3264 §6), initial or a re-offer; see the remarks for the rules. The answer
    /// becomes the local description; its version is raised by one when it differs from the previous local
    /// description and kept when it does not (RFC 3264 §8).
    /// </summary>
    /// <param name="offer">The offer.</param>
    /// <returns>The answer. When every stream is rejected (<see cref="MediaDescription.IsRejected"/>), a UAS would
    /// rather answer the INVITE 488 Not Acceptable Here (RFC 3261 §13.3.1.1).</returns>
    public SessionDescription CreateAnswer(SessionDescription offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        IReadOnlyList<MediaDescription> offered = offer.Media;
        var answered = new MediaDescription[offered.Count];
        var capabilities = new MediaCapability?[offered.Count];
        var formats = new List<(string Format, MediaFormat Offered, MediaFormat Local)>?[offered.Count];
        for (int i = 0; i < offered.Count; i++)
        {
            MediaDescription media = offered[i];
            MediaCapability? capability = media.Port == 0 ? null : Capabilities.Find(media.Media, media.Proto);
            formats[i] = capability is null ? null : CommonFormats(media, capability);
            capabilities[i] = formats[i] is null ? null : capability;
        }

        int[] ports = AssignPorts(offered, capabilities);
        for (int i = 0; i < offered.Count; i++)
        {
            MediaDescription media = offered[i];
            answered[i] = capabilities[i] is { } capability && ports[i] > 0
                ? Accept(offer, media, capability, ports[i], formats[i]!)
                : Reject(media);
        }

        RemoteDescription = offer;
        _offerPending = false;
        return Commit(new SessionDescription(_origin, Capabilities.SessionName, Capabilities.Connection, answered));
    }

    /// <summary>
    /// Makes an offer. The first is made from the capabilities: one stream per capability on its first port, every
    /// format, the capability's direction (written when not sendrecv). Later ones (RFC 3264 §8) keep the streams of
    /// the last local description, in order, with the direction attribute rewritten where the wanted direction
    /// (send only while holding) differs from the one in effect; the version is raised only when something changed,
    /// so an offer that merely refreshes the session (RFC 4028) keeps it.
    /// </summary>
    /// <returns>The offer, now the local description.</returns>
    public SessionDescription CreateOffer()
    {
        _offerPending = true;
        if (LocalDescription is not { } previous)
        {
            var media = new MediaDescription[Capabilities.Media.Count];
            for (int i = 0; i < media.Length; i++)
            {
                MediaCapability capability = Capabilities.Media[i];
                var lines = new List<SdpLine>();
                var numbers = new string[capability.Formats.Count];
                for (int j = 0; j < numbers.Length; j++)
                {
                    MediaFormat format = capability.Formats[j];
                    numbers[j] = format.PayloadType.ToString(CultureInfo.InvariantCulture);
                    AddFormatLines(lines, format, format.Parameters);
                }

                SdpDirection direction = Offered(capability.Direction);
                media[i] = new MediaDescription(
                    capability.Media, capability.Ports[0], capability.Proto, numbers, StreamLines(capability, lines, direction == SdpDirection.SendRecv ? null : direction));
            }

            return Commit(new SessionDescription(_origin, Capabilities.SessionName, Capabilities.Connection, media));
        }

        var reoffered = new MediaDescription[previous.Media.Count];
        for (int i = 0; i < reoffered.Length; i++)
        {
            MediaDescription media = previous.Media[i];
            MediaCapability? capability = Capabilities.Find(media.Media, media.Proto);
            SdpDirection? wanted = capability is null ? null : Offered(capability.Direction);
            reoffered[i] = media.IsRejected || wanted is null || wanted == previous.GetDirection(media) ? media : media.WithDirection(wanted);
        }

        return Commit(previous.WithMedia(reoffered));
    }

    /// <summary>
    /// Puts the call on hold (RFC 3264 §8.4): a re-offer in which every stream that sent now only sends
    /// (sendrecv → sendonly, recvonly → inactive).
    /// </summary>
    /// <returns>The offer.</returns>
    /// <exception cref="InvalidOperationException">No description has been exchanged yet.</exception>
    public SessionDescription CreateHoldOffer()
    {
        ThrowIfNoSession();
        _holding = true;
        return CreateOffer();
    }

    /// <summary>Takes the call off hold: a re-offer with each stream back to its capability's direction.</summary>
    /// <returns>The offer.</returns>
    /// <exception cref="InvalidOperationException">No description has been exchanged yet.</exception>
    public SessionDescription CreateResumeOffer()
    {
        ThrowIfNoSession();
        _holding = false;
        return CreateOffer();
    }

    /// <summary>
    /// Takes the answer to the last offer (RFC 3264 §7): it must have as many media descriptions, of the same media
    /// types. A stream the answer rejects (port 0) stays disabled in later offers (RFC 3264 §8.2).
    /// </summary>
    /// <param name="answer">The answer.</param>
    /// <param name="reason">Why the answer does not fit the offer; empty when it does.</param>
    /// <returns>True when the answer was taken.</returns>
    public bool TryAcceptAnswer(SessionDescription answer, out string reason)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (!_offerPending || LocalDescription is not { } offer)
        {
            reason = "No offer is waiting for an answer";
            return false;
        }

        if (answer.Media.Count != offer.Media.Count)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"The answer has {answer.Media.Count} m= lines, the offer {offer.Media.Count}");
            return false;
        }

        var media = new MediaDescription[offer.Media.Count];
        bool disabled = false;
        for (int i = 0; i < media.Length; i++)
        {
            if (!answer.Media[i].Media.Equals(offer.Media[i].Media, StringComparison.OrdinalIgnoreCase))
            {
                reason = string.Create(CultureInfo.InvariantCulture, $"m= line {i + 1} of the answer is {answer.Media[i].Media}, not {offer.Media[i].Media}");
                return false;
            }

            media[i] = answer.Media[i].IsRejected ? offer.Media[i].WithPort(0) : offer.Media[i];
            disabled |= media[i] != offer.Media[i];
        }

        // The offer as amended is what later offers start from; its version stays, as nothing was sent.
        LocalDescription = disabled ? offer.WithMedia(media) : offer;
        RemoteDescription = answer;
        _offerPending = false;
        reason = string.Empty;
        return true;
    }

    private void ThrowIfNoSession()
    {
        if (LocalDescription is null)
        {
            throw new InvalidOperationException("There is no session to re-offer yet: make or answer an offer first.");
        }
    }

    /// <summary>The direction a stream is offered with: the capability's, narrowed to sending while holding.</summary>
    private SdpDirection Offered(SdpDirection capability) => !_holding ? capability : capability switch
    {
        SdpDirection.SendRecv or SdpDirection.SendOnly => SdpDirection.SendOnly,
        _ => SdpDirection.Inactive,
    };

    /// <summary>Makes <paramref name="candidate"/> the local description, raising the version when it changed.</summary>
    private SessionDescription Commit(SessionDescription candidate)
    {
        if (LocalDescription is { } previous)
        {
            if (candidate.ToString() == previous.ToString())
            {
                return previous;
            }

            _origin = _origin.WithVersion(unchecked(_origin.SessionVersion + 1));
            candidate = candidate.WithOrigin(_origin);
        }

        LocalDescription = candidate;
        return candidate;
    }

    /// <summary>
    /// The offered formats the capability shares, in the capability's order, or null when the stream cannot be
    /// accepted on them.
    /// </summary>
    private static List<(string Format, MediaFormat Offered, MediaFormat Local)>? CommonFormats(MediaDescription media, MediaCapability capability)
    {
        IReadOnlyList<string> formats = media.Formats;
        var resolved = new MediaFormat?[formats.Count];
        bool onlyAuxiliary = true;
        for (int j = 0; j < formats.Count; j++)
        {
            _ = media.TryGetFormat(formats[j], out resolved[j]);
            onlyAuxiliary &= resolved[j] is { IsAuxiliary: true };
        }

        var common = new List<(string, MediaFormat, MediaFormat)>();
        bool codec = false;
        foreach (MediaFormat local in capability.Formats)
        {
            for (int j = 0; j < formats.Count; j++)
            {
                if (!Matches(local, formats[j], resolved[j], out MediaFormat? offered) || Contains(common, formats[j]))
                {
                    continue;
                }

                common.Add((formats[j], offered, local));
                codec |= !local.IsAuxiliary;
                break;
            }
        }

        return common.Count > 0 && (codec || onlyAuxiliary) ? common : null;
    }

    private static bool Matches(MediaFormat local, string format, MediaFormat? resolved, [NotNullWhen(true)] out MediaFormat? offered)
    {
        offered = null;
        if (!SdpGrammar.TryParseInt32(format, out int payloadType) || payloadType > 127)
        {
            return false;
        }

        if (resolved is not null)
        {
            offered = resolved;
            return local.IsSameEncoding(resolved);
        }

        // A static payload type neither side's table knows: the number is all there is (RFC 3551 §6).
        offered = local.WithPayloadType(payloadType).WithParameters(null);
        return payloadType < 96 && payloadType == local.PayloadType;
    }

    private static bool Contains(List<(string Format, MediaFormat Offered, MediaFormat Local)> common, string format)
    {
        foreach ((string Format, MediaFormat, MediaFormat) entry in common)
        {
            if (entry.Format == format)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The port of each accepted stream: the one it had in the last local description when it had one there (ports
    /// stay put across re-offers), else the capability's first port not yet taken; 0 when none is left.
    /// </summary>
    private int[] AssignPorts(IReadOnlyList<MediaDescription> offered, MediaCapability?[] capabilities)
    {
        int[] ports = new int[offered.Count];
        IReadOnlyList<MediaDescription>? previous = LocalDescription?.Media;
        for (int i = 0; i < ports.Length; i++)
        {
            if (capabilities[i] is { } capability && previous is not null && i < previous.Count && !previous[i].IsRejected &&
                previous[i].Media.Equals(offered[i].Media, StringComparison.OrdinalIgnoreCase) &&
                Contains(capability.Ports, previous[i].Port) && !IsTaken(ports, capabilities, capability, previous[i].Port))
            {
                ports[i] = previous[i].Port;
            }
        }

        for (int i = 0; i < ports.Length; i++)
        {
            if (capabilities[i] is not { } capability || ports[i] != 0)
            {
                continue;
            }

            foreach (int port in capability.Ports)
            {
                if (!IsTaken(ports, capabilities, capability, port))
                {
                    ports[i] = port;
                    break;
                }
            }
        }

        return ports;
    }

    private static bool Contains(IReadOnlyList<int> ports, int port)
    {
        foreach (int candidate in ports)
        {
            if (candidate == port)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTaken(int[] ports, MediaCapability?[] capabilities, MediaCapability capability, int port)
    {
        for (int i = 0; i < ports.Length; i++)
        {
            if (ports[i] == port && ReferenceEquals(capabilities[i], capability))
            {
                return true;
            }
        }

        return false;
    }

    private static MediaDescription Accept(
        SessionDescription offer,
        MediaDescription media,
        MediaCapability capability,
        int port,
        List<(string Format, MediaFormat Offered, MediaFormat Local)> common)
    {
        var numbers = new string[common.Count];
        var lines = new List<SdpLine>(common.Count * 2 + 3);
        for (int i = 0; i < numbers.Length; i++)
        {
            (string format, MediaFormat offered, MediaFormat local) = common[i];
            numbers[i] = format;
            AddFormatLines(lines, offered, local.Parameters ?? offered.Parameters);
        }

        // RFC 3264 §6.1: mirror the offer. Old-style hold (c=0.0.0.0, §8.4) means the offerer receives nothing.
        SdpDirection direction = offer.GetDirection(media);
        if (offer.GetConnection(media) is { IsUnspecified: true })
        {
            direction = direction switch
            {
                SdpDirection.SendRecv => SdpDirection.SendOnly,
                SdpDirection.RecvOnly => SdpDirection.Inactive,
                _ => direction,
            };
        }

        bool send = direction is SdpDirection.SendRecv or SdpDirection.RecvOnly && capability.Direction is SdpDirection.SendRecv or SdpDirection.SendOnly;
        bool receive = direction is SdpDirection.SendRecv or SdpDirection.SendOnly && capability.Direction is SdpDirection.SendRecv or SdpDirection.RecvOnly;
        SdpDirection answer = send ? (receive ? SdpDirection.SendRecv : SdpDirection.SendOnly) : (receive ? SdpDirection.RecvOnly : SdpDirection.Inactive);
        bool written = answer != SdpDirection.SendRecv || media.Direction is not null || offer.Direction is not null;
        return new MediaDescription(media.Media, port, media.Proto, numbers, StreamLines(capability, lines, written ? answer : null));
    }

    /// <summary>RFC 3264 §6: a rejected stream keeps its media type and protocol, port 0, and one format.</summary>
    private static MediaDescription Reject(MediaDescription media)
    {
        string format = media.Formats[0];
        var lines = new List<SdpLine>(1);
        if (media.TryGetFormat(format, out MediaFormat? known))
        {
            lines.Add(new SdpLine('a', "rtpmap:" + known.RtpMapValue));
        }

        return new MediaDescription(media.Media, 0, media.Proto, [format], lines);
    }

    private static void AddFormatLines(List<SdpLine> lines, MediaFormat format, string? parameters)
    {
        lines.Add(new SdpLine('a', "rtpmap:" + format.RtpMapValue));
        if (parameters is not null)
        {
            lines.Add(new SdpLine('a', string.Create(CultureInfo.InvariantCulture, $"fmtp:{format.PayloadType} {parameters}")));
        }
    }

    /// <summary>A stream's lines: its own <c>c=</c> first (RFC 8866 §5 order), the format lines, <c>a=ptime</c>, the direction.</summary>
    private static List<SdpLine> StreamLines(MediaCapability capability, List<SdpLine> formatLines, SdpDirection? direction)
    {
        var lines = new List<SdpLine>(formatLines.Count + 3);
        if (capability.Connection is { } connection)
        {
            lines.Add(new SdpLine('c', connection.ToString()));
        }

        lines.AddRange(formatLines);
        if (capability.Ptime is { } ptime)
        {
            lines.Add(new SdpLine('a', "ptime:" + ptime.ToString(CultureInfo.InvariantCulture)));
        }

        if (direction is { } value)
        {
            lines.Add(SessionDescription.DirectionLine(value));
        }

        return lines;
    }

    private static SdpOrigin NewOrigin(MediaCapabilities capabilities, string username)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        ulong id = (BitConverter.ToUInt64(random) >> 2) | 1;
        return new SdpOrigin(username, id.ToString(CultureInfo.InvariantCulture), id, capabilities.Connection.Address, addressType: capabilities.Connection.AddressType);
    }
}
