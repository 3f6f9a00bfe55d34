using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a Refer-To header field (RFC 3515 §2.1): the URI a REFER asks its recipient to contact. For an
/// attended transfer the URI carries the dialog to replace as an escaped Replaces header
/// (<c>&lt;sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994&gt;</c>,
/// RFC 3891 §3), which <see cref="EmbeddedReplaces"/> and <see cref="TryGetReplaces"/> read.
/// </summary>
public sealed class ReferToHeader
{
    private const string ReplacesHeaderName = "Replaces";

    /// <summary>Creates a Refer-To value.</summary>
    /// <param name="address">The address to refer to; its parameters are the Refer-To parameters.</param>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is <see langword="null"/>.</exception>
    public ReferToHeader(NameAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
    }

    /// <summary>The address to refer to, with the header parameters (RFC 3515 §2.1 <c>generic-param</c>).</summary>
    public NameAddress Address { get; }

    /// <summary>
    /// The Replaces header embedded in a SIP or SIPS Refer-To URI (RFC 3891 §3), unescaped, e.g.
    /// <c>12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994</c>; <see langword="null"/> when there is none.
    /// </summary>
    public string? EmbeddedReplaces => Address.Uri is SipUri uri && uri.Headers.Count > 0 ? uri.Headers[ReplacesHeaderName] : null;

    /// <summary>Parses the Replaces header embedded in the Refer-To URI (RFC 3891 §3), if there is one.</summary>
    /// <param name="replaces">The parsed Replaces value, or <see langword="null"/> when absent or invalid.</param>
    /// <param name="reason">
    /// When a Replaces header is present but invalid, the reason <see cref="ReplacesHeader.TryParse"/> gives;
    /// <see cref="SipRejectReason.MissingHeader"/> when there is none.
    /// </param>
    /// <returns>Whether a valid Replaces header is embedded.</returns>
    public bool TryGetReplaces([NotNullWhen(true)] out ReplacesHeader? replaces, out SipRejectReason reason)
    {
        string? embedded = EmbeddedReplaces;
        if (embedded is null)
        {
            replaces = null;
            reason = SipRejectReason.MissingHeader;
            return false;
        }

        return ReplacesHeader.TryParse(embedded, out replaces, out reason);
    }

    /// <summary>
    /// Parses a Refer-To header field value (RFC 3515 §2.1): <c>(name-addr / addr-spec) *(SEMI generic-param)</c>.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">The reason <see cref="NameAddress.TryParse"/> gives.</param>
    /// <returns>Whether the value is a valid Refer-To.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ReferToHeader? result, out SipRejectReason reason)
    {
        if (!NameAddress.TryParse(value, out NameAddress? address, out reason))
        {
            result = null;
            return false;
        }

        result = new ReferToHeader(address);
        return true;
    }

    /// <summary>The canonical value, as <see cref="NameAddress.ToString"/> writes it (the URI always in angle brackets).</summary>
    /// <returns>The value text.</returns>
    public override string ToString() => Address.ToString();
}
