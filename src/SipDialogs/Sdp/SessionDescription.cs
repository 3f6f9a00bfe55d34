using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Sdp;

/// <summary>
/// A session description (RFC 8866): the session-level lines (<c>v=</c>, <c>o=</c>, <c>s=</c>, <c>c=</c>, <c>t=</c>,
/// <c>b=</c>, <c>a=</c> and the rest) and the media descriptions, every line kept as it came and in order, so that
/// <see cref="ToString"/> of a parsed description gives back its text (with CRLF line ends). The lines the
/// offer/answer model reads are also offered typed: <see cref="Origin"/>, <see cref="Connection"/>,
/// <see cref="Media"/>, the direction attributes.
/// </summary>
/// <remarks>
/// Immutable: the <c>With...</c> methods return a copy with one thing changed, every other line untouched. Parse with
/// <see cref="TryParse(ReadOnlySpan{byte}, out SessionDescription?, out SdpParseError)"/>, which never throws on bad
/// input; build an answer or offer with <see cref="OfferAnswerSession"/>.
/// </remarks>
public sealed partial class SessionDescription
{
    private readonly SdpLine[] _lines;
    private readonly MediaDescription[] _media;

    /// <summary>
    /// Creates a description: <c>v=0</c>, <c>o=</c>, <c>s=</c>, <c>c=</c> when given, <c>t=0 0</c> (RFC 3264 §5), then
    /// <paramref name="attributes"/>, then the media descriptions.
    /// </summary>
    /// <param name="origin">The origin.</param>
    /// <param name="sessionName">The session name; <c>"-"</c> when there is none to give (RFC 8866 §5.3).</param>
    /// <param name="connection">The session-level connection, or null when each media description has its own.</param>
    /// <param name="media">The media descriptions, in order.</param>
    /// <param name="attributes">More session-level lines (<c>b=</c>, <c>a=</c> ...), written after <c>t=</c>.</param>
    /// <exception cref="ArgumentException">A line cannot be written in SDP or does not belong at session level.</exception>
    public SessionDescription(SdpOrigin origin, string sessionName, SdpConnection? connection, IReadOnlyList<MediaDescription> media, IReadOnlyList<SdpLine>? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        SdpGrammar.ThrowIfNotLineText(sessionName, nameof(sessionName));
        ArgumentNullException.ThrowIfNull(media);
        var lines = new List<SdpLine>(6 + (attributes?.Count ?? 0))
        {
            new('v', "0"),
            new('o', origin.ToString()),
            new('s', sessionName),
        };
        if (connection is not null)
        {
            lines.Add(new SdpLine('c', connection.ToString()));
        }

        lines.Add(new SdpLine('t', "0 0"));
        if (attributes is not null)
        {
            foreach (SdpLine line in attributes)
            {
                if (line.Type is 'v' or 'o' or 's' or 'm' || "iuepcbtrzka".IndexOf(line.Type, StringComparison.Ordinal) < 0)
                {
                    throw new ArgumentException($"{line.Type}= is not an extra session-level line.", nameof(attributes));
                }

                SdpGrammar.ThrowIfNotLineText(line.Value, nameof(attributes));
                lines.Add(line);
            }
        }

        _lines = [.. lines];
        _media = CopyMedia(media);
        (Origin, SessionName, Connection, Timing, Direction) = Index(_lines);
    }

    private SessionDescription(SdpLine[] lines, MediaDescription[] media)
    {
        _lines = lines;
        _media = media;
        (Origin, SessionName, Connection, Timing, Direction) = Index(lines);
    }

    /// <summary>For the parser, which has read the typed lines already.</summary>
    private SessionDescription(SdpLine[] lines, MediaDescription[] media, SdpOrigin origin, string name, SdpConnection? connection, SdpTiming? timing)
    {
        _lines = lines;
        _media = media;
        Origin = origin;
        SessionName = name;
        Connection = connection;
        Timing = timing;
        Direction = DirectionOf(lines);
    }

    /// <summary>The <c>o=</c> line.</summary>
    public SdpOrigin Origin { get; }

    /// <summary>The <c>s=</c> line's text.</summary>
    public string SessionName { get; }

    /// <summary>The session-level <c>c=</c> line, or null when each media description carries its own.</summary>
    public SdpConnection? Connection { get; }

    /// <summary>The first <c>t=</c> line, or null when there is none (accepted, though RFC 8866 §5.9 asks for one).</summary>
    public SdpTiming? Timing { get; }

    /// <summary>The direction attribute written at session level, or null (RFC 8866 §6.7: it applies to each media
    /// description that has none of its own).</summary>
    public SdpDirection? Direction { get; }

    /// <summary>The session-level lines (everything before the first <c>m=</c>), in order, as they came.</summary>
    public IReadOnlyList<SdpLine> Lines => _lines;

    /// <summary>The media descriptions, in order.</summary>
    public IReadOnlyList<MediaDescription> Media => _media;

    /// <summary>The session-level <c>b=</c> lines, in order.</summary>
    public IReadOnlyList<SdpBandwidth> Bandwidths => BandwidthsOf(_lines);

    /// <summary>
    /// The direction in effect for <paramref name="media"/>: its own attribute, else the session's, else sendrecv
    /// (RFC 3264 §5.1).
    /// </summary>
    /// <param name="media">One of this description's media descriptions.</param>
    /// <returns>The direction.</returns>
    public SdpDirection GetDirection(MediaDescription media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return media.Direction ?? Direction ?? SdpDirection.SendRecv;
    }

    /// <summary>The connection in effect for <paramref name="media"/>: its own <c>c=</c>, else the session's.</summary>
    /// <param name="media">One of this description's media descriptions.</param>
    /// <returns>The connection, or null when neither level has one.</returns>
    public SdpConnection? GetConnection(MediaDescription media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return media.Connection ?? Connection;
    }

    /// <summary>The value of the first session-level attribute named <paramref name="name"/> (case-sensitive).</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="value">What follows <c>name:</c>, or empty for a property attribute.</param>
    /// <returns>True when there is such an attribute.</returns>
    public bool TryGetAttribute(string name, [NotNullWhen(true)] out string? value) => TryGetAttribute(_lines, name, out value);

    /// <summary>This description with another origin, its <c>o=</c> line replaced in place.</summary>
    /// <param name="origin">The origin.</param>
    /// <returns>The description.</returns>
    public SessionDescription WithOrigin(SdpOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        SdpLine[] lines = (SdpLine[])_lines.Clone();
        lines[Array.FindIndex(lines, static l => l.Type == 'o')] = new SdpLine('o', origin.ToString());
        return new SessionDescription(lines, _media);
    }

    /// <summary>
    /// This description with another session-level connection: the <c>c=</c> line replaced in place, inserted
    /// before <c>b=</c> and <c>t=</c> when there was none (RFC 8866 §5 order), or removed when null.
    /// </summary>
    /// <param name="connection">The connection, or null.</param>
    /// <returns>The description.</returns>
    public SessionDescription WithConnection(SdpConnection? connection)
    {
        var lines = new List<SdpLine>(_lines);
        int at = lines.FindIndex(static l => l.Type == 'c');
        if (at >= 0)
        {
            lines.RemoveAt(at);
        }
        else
        {
            at = lines.FindIndex(static l => l.Type is 'b' or 't' or 'r' or 'z' or 'k' or 'a');
            at = at < 0 ? lines.Count : at;
        }

        if (connection is not null)
        {
            lines.Insert(at, new SdpLine('c', connection.ToString()));
        }

        return new SessionDescription([.. lines], _media);
    }

    /// <summary>This description with its session-level direction attribute replaced, added, or removed when null.</summary>
    /// <param name="direction">The direction, or null.</param>
    /// <returns>The description.</returns>
    public SessionDescription WithDirection(SdpDirection? direction) => new(ReplaceDirection(_lines, direction), _media);

    /// <summary>This description with other media descriptions.</summary>
    /// <param name="media">The media descriptions, in order.</param>
    /// <returns>The description.</returns>
    public SessionDescription WithMedia(IReadOnlyList<MediaDescription> media) => new(_lines, CopyMedia(media));

    /// <summary>This description with the media description at <paramref name="index"/> replaced.</summary>
    /// <param name="index">The index in <see cref="Media"/>.</param>
    /// <param name="media">The media description.</param>
    /// <returns>The description.</returns>
    public SessionDescription WithMedia(int index, MediaDescription media)
    {
        ArgumentNullException.ThrowIfNull(media);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _media.Length);
        MediaDescription[] copy = (MediaDescription[])_media.Clone();
        copy[index] = media;
        return new SessionDescription(_lines, copy);
    }

    /// <summary>The description as written, each line ending in CRLF (RFC 8866 §5).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(256);
        foreach (SdpLine line in _lines)
        {
            text.Append(line.Type).Append('=').Append(line.Value).Append("\r\n");
        }

        foreach (MediaDescription media in _media)
        {
            media.WriteTo(text);
        }

        return text.ToString();
    }

    /// <summary>The description as UTF-8 bytes, each line ending in CRLF: a body for <c>application/sdp</c>.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        int length = 0;
        foreach (SdpLine line in _lines)
        {
            length += LineLength(line.Value);
        }

        foreach (MediaDescription media in _media)
        {
            length += media.Utf8Length;
        }

        byte[] bytes = new byte[length];
        int written = 0;
        foreach (SdpLine line in _lines)
        {
            written += WriteLine(bytes.AsSpan(written), line.Type, line.Value);
        }

        foreach (MediaDescription media in _media)
        {
            written += media.WriteTo(bytes.AsSpan(written));
        }

        return bytes;
    }

    /// <summary>The UTF-8 length of a line with this value: type, '=', value, CRLF.</summary>
    internal static int LineLength(string value) => Encoding.UTF8.GetByteCount(value) + 4;

    internal static int WriteLine(Span<byte> destination, char type, string value)
    {
        destination[0] = (byte)type;
        destination[1] = (byte)'=';
        int length = 2 + Encoding.UTF8.GetBytes(value, destination[2..]);
        destination[length] = (byte)'\r';
        destination[length + 1] = (byte)'\n';
        return length + 2;
    }

    internal static bool TryGetAttribute(SdpLine[] lines, string name, [NotNullWhen(true)] out string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (SdpLine line in lines)
        {
            if (line.IsAttribute(name))
            {
                value = line.AttributeValue(name).ToString();
                return true;
            }
        }

        value = null;
        return false;
    }

    internal static SdpDirection? DirectionOf(SdpLine[] lines)
    {
        SdpDirection? direction = null;
        foreach (SdpLine line in lines)
        {
            direction = ParseDirection(line) ?? direction;
        }

        return direction;
    }

    internal static SdpLine[] ReplaceDirection(SdpLine[] lines, SdpDirection? direction)
    {
        var copy = new List<SdpLine>(lines.Length + 1);
        bool placed = false;
        foreach (SdpLine line in lines)
        {
            if (ParseDirection(line) is null)
            {
                copy.Add(line);
            }
            else if (!placed && direction is { } value)
            {
                copy.Add(DirectionLine(value));
                placed = true;
            }
        }

        if (!placed && direction is { } added)
        {
            copy.Add(DirectionLine(added));
        }

        return [.. copy];
    }

    internal static SdpLine DirectionLine(SdpDirection direction) => new('a', direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => "sendrecv",
    });

    internal static IReadOnlyList<SdpBandwidth> BandwidthsOf(SdpLine[] lines)
    {
        List<SdpBandwidth>? found = null;
        foreach (SdpLine line in lines)
        {
            if (line.Type == 'b' && TryParseBandwidth(line.Value, out SdpBandwidth bandwidth))
            {
                (found ??= []).Add(bandwidth);
            }
        }

        return found is null ? [] : found;
    }

    private static SdpDirection? ParseDirection(SdpLine line) => line.Type != 'a' ? null : line.Value switch
    {
        "sendrecv" => SdpDirection.SendRecv,
        "sendonly" => SdpDirection.SendOnly,
        "recvonly" => SdpDirection.RecvOnly,
        "inactive" => SdpDirection.Inactive,
        _ => null,
    };

    private static MediaDescription[] CopyMedia(IReadOnlyList<MediaDescription> media)
    {
        ArgumentNullException.ThrowIfNull(media);
        var copy = new MediaDescription[media.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = media[i] ?? throw new ArgumentException("A media description is null.", nameof(media));
        }

        return copy;
    }

    private static (SdpOrigin, string, SdpConnection?, SdpTiming?, SdpDirection?) Index(SdpLine[] lines)
    {
        SdpOrigin? origin = null;
        string? name = null;
        SdpConnection? connection = null;
        SdpTiming? timing = null;
        foreach (SdpLine line in lines)
        {
            switch (line.Type)
            {
                case 'o' when origin is null:
                    _ = SdpOrigin.TryParse(line.Value, out origin);
                    break;
                case 's' when name is null:
                    name = line.Value;
                    break;
                case 'c' when connection is null:
                    _ = SdpConnection.TryParse(line.Value, out connection);
                    break;
                case 't' when timing is null && TryParseTiming(line.Value, out SdpTiming value):
                    timing = value;
                    break;
            }
        }

        // The parser and the public constructor both guarantee a valid o= and an s=.
        return (origin!, name!, connection, timing, DirectionOf(lines));
    }
}
