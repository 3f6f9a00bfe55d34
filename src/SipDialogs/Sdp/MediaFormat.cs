using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SipDialogs.Sdp;

/// <summary>
/// One RTP payload format: what <c>a=rtpmap</c> and <c>a=fmtp</c> say of a payload type (RFC 8866 §6.6, §6.15), or
/// what RFC 3551 fixes for a static payload type. Capabilities list these in order of preference; a description
/// yields them with <see cref="MediaDescription.TryGetFormat(string, out MediaFormat?)"/>.
/// </summary>
public sealed class MediaFormat : IEquatable<MediaFormat>
{
    /// <summary>Creates a format.</summary>
    /// <param name="payloadType">The payload type, 0–127: the RFC 3551 number of a static type (below 96), or the
    /// number to offer a dynamic one with (96–127; an answer uses the offerer's number instead).</param>
    /// <param name="encodingName">The encoding name, e.g. <c>"PCMA"</c>, <c>"telephone-event"</c>.</param>
    /// <param name="clockRate">The RTP clock rate in Hz.</param>
    /// <param name="channels">The audio channels, written only when given (absent means one).</param>
    /// <param name="parameters">The <c>a=fmtp</c> parameters, e.g. <c>"0-16"</c>, or null.</param>
    /// <exception cref="ArgumentException">A field is out of range or cannot be written in SDP.</exception>
    public MediaFormat(int payloadType, string encodingName, int clockRate, int? channels = null, string? parameters = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadType);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadType, 127);
        SdpGrammar.ThrowIfNotToken(encodingName, nameof(encodingName));
        if (encodingName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("An encoding name has no '/'.", nameof(encodingName));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        if (channels is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(channels));
        }

        if (parameters is not null)
        {
            SdpGrammar.ThrowIfNotLineText(parameters, nameof(parameters));
        }

        PayloadType = payloadType;
        EncodingName = encodingName;
        ClockRate = clockRate;
        Channels = channels;
        Parameters = parameters;
    }

    /// <summary>G.711 µ-law, static payload type 0 (RFC 3551 §6).</summary>
    public static MediaFormat Pcmu { get; } = new(0, "PCMU", 8000);

    /// <summary>G.711 A-law, static payload type 8 (RFC 3551 §6).</summary>
    public static MediaFormat Pcma { get; } = new(8, "PCMA", 8000);

    /// <summary>G.722, static payload type 9, whose RTP clock is 8000 Hz although it samples at 16 kHz (RFC 3551 §4.5.2).</summary>
    public static MediaFormat G722 { get; } = new(9, "G722", 8000);

    /// <summary>DTMF digits as RTP events (RFC 4733), offered as dynamic payload type 101 with events 0–16.</summary>
    public static MediaFormat TelephoneEvent { get; } = new(101, "telephone-event", 8000, parameters: "0-16");

    /// <summary>The payload type.</summary>
    public int PayloadType { get; }

    /// <summary>The encoding name as written.</summary>
    public string EncodingName { get; }

    /// <summary>The RTP clock rate in Hz.</summary>
    public int ClockRate { get; }

    /// <summary>The channel count when written; absent means one.</summary>
    public int? Channels { get; }

    /// <summary>The <c>a=fmtp</c> parameters, or null.</summary>
    public string? Parameters { get; }

    /// <summary>
    /// True for formats that only go along with a codec: telephone-event (RFC 4733) and comfort noise (RFC 3389).
    /// An answerer does not accept a stream on these alone unless the offer had nothing else in it.
    /// </summary>
    public bool IsAuxiliary =>
        EncodingName.Equals("telephone-event", StringComparison.OrdinalIgnoreCase) || EncodingName.Equals("CN", StringComparison.OrdinalIgnoreCase);

    /// <summary>The value of its <c>a=rtpmap</c>: <c>101 telephone-event/8000</c>.</summary>
    public string RtpMapValue => Channels is { } channels
        ? string.Create(CultureInfo.InvariantCulture, $"{PayloadType} {EncodingName}/{ClockRate}/{channels}")
        : string.Create(CultureInfo.InvariantCulture, $"{PayloadType} {EncodingName}/{ClockRate}");

    /// <summary>
    /// True when <paramref name="other"/> is the same encoding: the encoding name (case-insensitive, RFC 4855 §3),
    /// clock rate and channel count (absent counts as one) agree. Payload types and parameters are not compared.
    /// </summary>
    /// <param name="other">The other format.</param>
    /// <returns>True when they are the same encoding.</returns>
    public bool IsSameEncoding(MediaFormat other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return EncodingName.Equals(other.EncodingName, StringComparison.OrdinalIgnoreCase) && ClockRate == other.ClockRate &&
            (Channels ?? 1) == (other.Channels ?? 1);
    }

    /// <summary>This format under another payload type.</summary>
    /// <param name="payloadType">The payload type.</param>
    /// <returns>The format.</returns>
    public MediaFormat WithPayloadType(int payloadType) =>
        payloadType == PayloadType ? this : new MediaFormat(payloadType, EncodingName, ClockRate, Channels, Parameters);

    /// <summary>This format with other <c>a=fmtp</c> parameters.</summary>
    /// <param name="parameters">The parameters, or null for none.</param>
    /// <returns>The format.</returns>
    public MediaFormat WithParameters(string? parameters) =>
        parameters == Parameters ? this : new MediaFormat(PayloadType, EncodingName, ClockRate, Channels, parameters);

    /// <inheritdoc/>
    public override string ToString() => Parameters is null ? RtpMapValue : RtpMapValue + " (" + Parameters + ")";

    /// <inheritdoc/>
    public bool Equals([NotNullWhen(true)] MediaFormat? other) =>
        other is not null && PayloadType == other.PayloadType && EncodingName == other.EncodingName && ClockRate == other.ClockRate &&
        Channels == other.Channels && Parameters == other.Parameters;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => Equals(obj as MediaFormat);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(PayloadType, EncodingName, ClockRate, Channels, Parameters);

    /// <summary>
    /// Reads the value of an <c>a=rtpmap</c> after <c>rtpmap:</c>: <c>&lt;payload type&gt; &lt;encoding name&gt;/&lt;clock
    /// rate&gt;[/&lt;encoding parameters&gt;]</c> (RFC 8866 §6.6). False when it does not follow it.
    /// </summary>
    internal static bool TryParseRtpMap(ReadOnlySpan<char> value, [NotNullWhen(true)] out MediaFormat? format)
    {
        format = null;
        int space = value.IndexOf(' ');
        if (space <= 0 || !SdpGrammar.TryParseInt32(value[..space], out int payloadType) || payloadType > 127)
        {
            return false;
        }

        ReadOnlySpan<char> encoding = value[(space + 1)..];
        int slash = encoding.IndexOf('/');
        if (slash <= 0 || !SdpGrammar.IsToken(encoding[..slash]))
        {
            return false;
        }

        ReadOnlySpan<char> rest = encoding[(slash + 1)..];
        int second = rest.IndexOf('/');
        ReadOnlySpan<char> rate = second < 0 ? rest : rest[..second];
        int? channels = null;
        if (!SdpGrammar.TryParseInt32(rate, out int clockRate) || clockRate == 0)
        {
            return false;
        }

        if (second >= 0)
        {
            if (!SdpGrammar.TryParseInt32(rest[(second + 1)..], out int count) || count == 0)
            {
                return false;
            }

            channels = count;
        }

        format = new MediaFormat(payloadType, encoding[..slash].ToString(), clockRate, channels);
        return true;
    }

    /// <summary>The format RFC 3551 §6 fixes for a static payload type, for an offer that lists it without <c>a=rtpmap</c>.</summary>
    internal static MediaFormat? Static(int payloadType) => payloadType switch
    {
        0 => Pcmu,
        3 => s_gsm,
        4 => s_g723,
        5 => new MediaFormat(5, "DVI4", 8000),
        6 => new MediaFormat(6, "DVI4", 16000),
        7 => new MediaFormat(7, "LPC", 8000),
        8 => Pcma,
        9 => G722,
        10 => new MediaFormat(10, "L16", 44100, 2),
        11 => new MediaFormat(11, "L16", 44100),
        12 => new MediaFormat(12, "QCELP", 8000),
        13 => new MediaFormat(13, "CN", 8000),
        14 => new MediaFormat(14, "MPA", 90000),
        15 => new MediaFormat(15, "G728", 8000),
        16 => new MediaFormat(16, "DVI4", 11025),
        17 => new MediaFormat(17, "DVI4", 22050),
        18 => s_g729,
        25 => new MediaFormat(25, "CelB", 90000),
        26 => new MediaFormat(26, "JPEG", 90000),
        28 => new MediaFormat(28, "nv", 90000),
        31 => new MediaFormat(31, "H261", 90000),
        32 => new MediaFormat(32, "MPV", 90000),
        33 => new MediaFormat(33, "MP2T", 90000),
        34 => new MediaFormat(34, "H263", 90000),
        _ => null,
    };

    private static readonly MediaFormat s_gsm = new(3, "GSM", 8000);
    private static readonly MediaFormat s_g723 = new(4, "G723", 8000);
    private static readonly MediaFormat s_g729 = new(18, "G729", 8000);
}
