using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SipDialogs.Sdp;

/// <summary>
/// One media description (RFC 8866 §5.14): the <c>m=&lt;media&gt; &lt;port&gt;[/&lt;number of ports&gt;] &lt;proto&gt;
/// &lt;fmt&gt; ...</c> line and the lines that follow it up to the next <c>m=</c> (<c>i=</c>, <c>c=</c>, <c>b=</c>,
/// <c>k=</c>, <c>a=</c>), kept as they came and in order.
/// </summary>
/// <remarks>
/// Immutable: the <c>With...</c> methods return a copy with one thing changed, every other line untouched, so
/// writing back what was parsed reproduces it. A port of 0 marks a stream that is rejected or disabled (RFC 3264 §6, §8.2).
/// </remarks>
public sealed class MediaDescription
{
    private readonly string _mLine;
    private readonly string[] _formats;
    private readonly SdpLine[] _lines;

    /// <summary>Creates a media description.</summary>
    /// <param name="media">The media type, e.g. <c>"audio"</c>, <c>"video"</c>.</param>
    /// <param name="port">The transport port, 0–65535; 0 rejects or disables the stream.</param>
    /// <param name="proto">The transport protocol, e.g. <c>"RTP/AVP"</c>.</param>
    /// <param name="formats">The formats: RTP payload type numbers for RTP; at least one.</param>
    /// <param name="lines">The lines after the <c>m=</c> line (<c>i=</c>, <c>c=</c>, <c>b=</c>, <c>k=</c>, <c>a=</c>), in order.</param>
    /// <param name="portCount">The number of ports, written as <c>/n</c> when given.</param>
    /// <exception cref="ArgumentException">A field cannot be written in SDP (RFC 8866 §9).</exception>
    public MediaDescription(string media, int port, string proto, IReadOnlyList<string> formats, IReadOnlyList<SdpLine>? lines = null, int? portCount = null)
    {
        SdpGrammar.ThrowIfNotToken(media, nameof(media));
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (portCount is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(portCount));
        }

        ArgumentNullException.ThrowIfNull(proto);
        if (!IsProto(proto))
        {
            throw new ArgumentException($"'{proto}' is not an SDP proto (RFC 8866 §9).", nameof(proto));
        }

        ArgumentNullException.ThrowIfNull(formats);
        if (formats.Count == 0)
        {
            throw new ArgumentException("A media description lists at least one format (RFC 8866 §5.14).", nameof(formats));
        }

        _formats = new string[formats.Count];
        for (int i = 0; i < _formats.Length; i++)
        {
            SdpGrammar.ThrowIfNotToken(formats[i], nameof(formats));
            _formats[i] = formats[i];
        }

        _lines = CheckedLines(lines);
        Media = media;
        Port = port;
        PortCount = portCount;
        Proto = proto;
        _mLine = FormatMLine(media, port, portCount, proto, _formats);
        (Connection, Direction) = Index(_lines);
    }

    private MediaDescription(string mLine, string media, int port, int? portCount, string proto, string[] formats, SdpLine[] lines)
    {
        _mLine = mLine;
        Media = media;
        Port = port;
        PortCount = portCount;
        Proto = proto;
        _formats = formats;
        _lines = lines;
        (Connection, Direction) = Index(lines);
    }

    /// <summary>The media type, e.g. <c>"audio"</c>.</summary>
    public string Media { get; }

    /// <summary>The transport port; 0 when the stream is rejected or disabled.</summary>
    public int Port { get; }

    /// <summary>The number of ports when written (<c>49170/2</c>), else null.</summary>
    public int? PortCount { get; }

    /// <summary>The transport protocol, e.g. <c>"RTP/AVP"</c>.</summary>
    public string Proto { get; }

    /// <summary>The formats in the order written: RTP payload type numbers for RTP.</summary>
    public IReadOnlyList<string> Formats => _formats;

    /// <summary>The lines after the <c>m=</c> line, in order, as they came.</summary>
    public IReadOnlyList<SdpLine> Lines => _lines;

    /// <summary>True when the port is 0: the stream is rejected or disabled (RFC 3264 §6, §8.2).</summary>
    public bool IsRejected => Port == 0;

    /// <summary>The media-level <c>c=</c> line (the first, if several), or null; the session's applies when null.</summary>
    public SdpConnection? Connection { get; }

    /// <summary>
    /// The direction attribute written at media level, or null when there is none: then the session-level one
    /// applies, see <see cref="SessionDescription.GetDirection(MediaDescription)"/>.
    /// </summary>
    public SdpDirection? Direction { get; }

    /// <summary>The <c>a=ptime</c> in milliseconds (RFC 8866 §6.4), or null when absent or not a number.</summary>
    public int? Ptime =>
        TryGetAttribute("ptime", out string? value) && SdpGrammar.TryParseInt32(value, out int ptime) ? ptime : null;

    /// <summary>The media-level <c>b=</c> lines, in order.</summary>
    public IReadOnlyList<SdpBandwidth> Bandwidths => SessionDescription.BandwidthsOf(_lines);

    /// <summary>
    /// The value of the first attribute named <paramref name="name"/> (case-sensitive): what follows <c>name:</c>,
    /// or empty for a property attribute.
    /// </summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="value">The value.</param>
    /// <returns>True when there is such an attribute.</returns>
    public bool TryGetAttribute(string name, [NotNullWhen(true)] out string? value) => SessionDescription.TryGetAttribute(_lines, name, out value);

    /// <summary>
    /// The format a payload type stands for: its <c>a=rtpmap</c> and <c>a=fmtp</c>, or for a static payload type
    /// listed without <c>a=rtpmap</c> the encoding RFC 3551 §6 fixes for it.
    /// </summary>
    /// <param name="format">A format of the <c>m=</c> line, e.g. <c>"101"</c>.</param>
    /// <param name="mediaFormat">The format.</param>
    /// <returns>False when the format is not a payload type, or a dynamic one without <c>a=rtpmap</c>.</returns>
    public bool TryGetFormat(string format, [NotNullWhen(true)] out MediaFormat? mediaFormat)
    {
        ArgumentNullException.ThrowIfNull(format);
        mediaFormat = null;
        if (!SdpGrammar.TryParseInt32(format, out int payloadType) || payloadType > 127)
        {
            return false;
        }

        string? parameters = null;
        foreach (SdpLine line in _lines)
        {
            if (mediaFormat is null && line.IsAttribute("rtpmap") && StartsWithFormat(line.AttributeValue("rtpmap"), format))
            {
                _ = MediaFormat.TryParseRtpMap(line.AttributeValue("rtpmap"), out mediaFormat);
            }
            else if (parameters is null && line.IsAttribute("fmtp") && StartsWithFormat(line.AttributeValue("fmtp"), format))
            {
                parameters = line.AttributeValue("fmtp")[(format.Length + 1)..].ToString();
            }
        }

        mediaFormat ??= MediaFormat.Static(payloadType);
        mediaFormat = mediaFormat?.WithParameters(parameters);
        return mediaFormat is not null;
    }

    /// <summary>This description with another port (0 rejects or disables the stream).</summary>
    /// <param name="port">The port.</param>
    /// <returns>The description.</returns>
    public MediaDescription WithPort(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return port == Port ? this : new MediaDescription(FormatMLine(Media, port, PortCount, Proto, _formats), Media, port, PortCount, Proto, _formats, _lines);
    }

    /// <summary>
    /// This description with its media-level direction attribute replaced in place, added at the end when there was
    /// none, or removed when <paramref name="direction"/> is null.
    /// </summary>
    /// <param name="direction">The direction, or null for none (the session's then applies).</param>
    /// <returns>The description.</returns>
    public MediaDescription WithDirection(SdpDirection? direction) =>
        new(_mLine, Media, Port, PortCount, Proto, _formats, SessionDescription.ReplaceDirection(_lines, direction));

    /// <summary>This description with another list of lines after its <c>m=</c> line.</summary>
    /// <param name="lines">The lines.</param>
    /// <returns>The description.</returns>
    public MediaDescription WithLines(IReadOnlyList<SdpLine> lines) =>
        new(_mLine, Media, Port, PortCount, Proto, _formats, CheckedLines(lines));

    /// <summary>The media description as written, each line ending in CRLF.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        WriteTo(text);
        return text.ToString();
    }

    /// <summary>The UTF-8 length of the description as written.</summary>
    internal int Utf8Length
    {
        get
        {
            int length = SessionDescription.LineLength(_mLine);
            foreach (SdpLine line in _lines)
            {
                length += SessionDescription.LineLength(line.Value);
            }

            return length;
        }
    }

    /// <summary>Writes the description as UTF-8; <paramref name="destination"/> holds <see cref="Utf8Length"/> bytes or more.</summary>
    internal int WriteTo(Span<byte> destination)
    {
        int written = SessionDescription.WriteLine(destination, 'm', _mLine);
        foreach (SdpLine line in _lines)
        {
            written += SessionDescription.WriteLine(destination[written..], line.Type, line.Value);
        }

        return written;
    }

    internal void WriteTo(StringBuilder text)
    {
        text.Append("m=").Append(_mLine).Append("\r\n");
        foreach (SdpLine line in _lines)
        {
            text.Append(line.Type).Append('=').Append(line.Value).Append("\r\n");
        }
    }

    /// <summary>
    /// Reads the value of an <c>m=</c> line (RFC 8866 §5.14) with the lines that followed it, which the parser has
    /// checked. False with the reason when the <c>m=</c> line does not follow the grammar.
    /// </summary>
    internal static bool TryCreate(string mLine, SdpLine[] lines, [NotNullWhen(true)] out MediaDescription? media, out SdpRejectReason reason)
    {
        media = null;
        ReadOnlySpan<char> text = mLine;
        Span<Range> f = stackalloc Range[4];
        if (!SdpGrammar.TrySplit(text, f, lastTakesRest: true) || !SdpGrammar.IsToken(text[f[0]]) || !IsProto(text[f[2]]))
        {
            reason = SdpRejectReason.MalformedMedia;
            return false;
        }

        ReadOnlySpan<char> portText = text[f[1]];
        int slash = portText.IndexOf('/');
        int? portCount = null;
        if (!SdpGrammar.TryParseInt32(slash < 0 ? portText : portText[..slash], out int port) || port > 65535)
        {
            reason = SdpRejectReason.InvalidPort;
            return false;
        }

        if (slash >= 0)
        {
            if (!SdpGrammar.TryParseInt32(portText[(slash + 1)..], out int count) || count == 0)
            {
                reason = SdpRejectReason.InvalidPort;
                return false;
            }

            portCount = count;
        }

        ReadOnlySpan<char> formatText = text[f[3]];
        var formats = new List<string>();
        foreach (Range range in formatText.Split(' '))
        {
            ReadOnlySpan<char> format = formatText[range];
            if (!SdpGrammar.IsToken(format))
            {
                reason = SdpRejectReason.MalformedMedia;
                return false;
            }

            formats.Add(format.ToString());
        }

        reason = default;
        media = new MediaDescription(mLine, mLine[f[0]], port, portCount, mLine[f[2]], [.. formats], lines);
        return true;
    }

    private static (SdpConnection? Connection, SdpDirection? Direction) Index(SdpLine[] lines)
    {
        SdpConnection? connection = null;
        foreach (SdpLine line in lines)
        {
            if (line.Type == 'c' && connection is null)
            {
                _ = SdpConnection.TryParse(line.Value, out connection);
            }
        }

        return (connection, SessionDescription.DirectionOf(lines));
    }

    /// <summary><c>proto = token *("/" token)</c> (RFC 8866 §9).</summary>
    private static bool IsProto(ReadOnlySpan<char> proto)
    {
        foreach (Range part in proto.Split('/'))
        {
            if (!SdpGrammar.IsToken(proto[part]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool StartsWithFormat(ReadOnlySpan<char> value, string format) =>
        value.Length > format.Length && value[format.Length] == ' ' && value.StartsWith(format, StringComparison.Ordinal);

    private static string FormatMLine(string media, int port, int? portCount, string proto, string[] formats)
    {
        var text = new StringBuilder(media).Append(' ').Append(port.ToString(CultureInfo.InvariantCulture));
        if (portCount is { } count)
        {
            text.Append('/').Append(count.ToString(CultureInfo.InvariantCulture));
        }

        text.Append(' ').Append(proto);
        foreach (string format in formats)
        {
            text.Append(' ').Append(format);
        }

        return text.ToString();
    }

    private static SdpLine[] CheckedLines(IReadOnlyList<SdpLine>? lines)
    {
        if (lines is null || lines.Count == 0)
        {
            return [];
        }

        var copy = new SdpLine[lines.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            SdpLine line = lines[i];
            if (line.Type is not ('i' or 'c' or 'b' or 'k' or 'a'))
            {
                throw new ArgumentException($"A media description holds i=, c=, b=, k= and a= lines, not {line.Type}= (RFC 8866 §5).", nameof(lines));
            }

            SdpGrammar.ThrowIfNotLineText(line.Value, nameof(lines));
            copy[i] = line;
        }

        return copy;
    }
}
