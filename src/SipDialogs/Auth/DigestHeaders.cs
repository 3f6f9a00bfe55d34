using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using SipDialogs.Messages;

namespace SipDialogs.Auth;

/// <summary>What challenges and credentials share: the realm, nonce and algorithm checks, and the syntax reasons.</summary>
internal static class DigestHeaders
{
    private static readonly SearchValues<char> s_hexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Whether <paramref name="text"/> is hex digits only (empty counts).</summary>
    public static bool IsHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(s_hexDigits);

    public static DigestRejectReason FromSyntax(SipRejectReason syntax) =>
        syntax is SipRejectReason.UnterminatedQuotedString or SipRejectReason.InvalidCharacter
            ? DigestRejectReason.BadQuoting
            : DigestRejectReason.MalformedHeader;

    /// <summary>Parses a whole challenge or credentials header field value, with the Digest reason for bad syntax.</summary>
    public static bool TryParseValue(string value, [NotNullWhen(true)] out AuthHeader? header, out DigestRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (AuthHeader.TryParse(value, out header, out SipRejectReason syntax))
        {
            reason = DigestRejectReason.None;
            return true;
        }

        reason = FromSyntax(syntax);
        return false;
    }

    /// <summary>
    /// What challenges and credentials share (RFC 7616 §3.3, §3.4): the Digest scheme, a realm, a nonce, a known
    /// algorithm (MD5 when absent) and <c>userhash</c>; the parts of each alone are read by its own type.
    /// </summary>
    public static bool TryReadCommon(
        AuthHeader header,
        [NotNullWhen(true)] out string? realm,
        [NotNullWhen(true)] out string? nonce,
        out DigestAlgorithm algorithm,
        out bool userHash,
        out DigestRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(header);
        realm = header.Realm;
        nonce = header.Nonce;
        algorithm = DigestAlgorithm.Md5;
        userHash = header.TryGetParameter("userhash", out string? value) && value.Equals("true", StringComparison.OrdinalIgnoreCase);
        if (!header.IsDigest)
        {
            reason = DigestRejectReason.NotDigest;
            return false;
        }

        if (realm is null)
        {
            reason = DigestRejectReason.MissingRealm;
            return false;
        }

        if (string.IsNullOrEmpty(nonce))
        {
            reason = DigestRejectReason.MissingNonce;
            return false;
        }

        if (header.Algorithm is { } name && !DigestAlgorithms.TryParse(name, out algorithm))
        {
            reason = DigestRejectReason.UnknownAlgorithm;
            return false;
        }

        reason = DigestRejectReason.None;
        return true;
    }
}
