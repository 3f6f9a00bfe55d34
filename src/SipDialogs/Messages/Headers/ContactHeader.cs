using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Messages;

/// <summary>
/// One element of a Contact header field (RFC 3261 §20.10): an address at which the sender can be reached, with
/// its <c>expires</c> and <c>q</c> parameters, or the wildcard <c>*</c> a REGISTER uses to remove every binding
/// (RFC 3261 §10.2.2).
/// </summary>
public sealed class ContactHeader
{
    /// <summary>Creates a Contact value for an address.</summary>
    /// <param name="address">The address, whose <see cref="NameAddress.Parameters"/> are the contact parameters.</param>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is <see langword="null"/>.</exception>
    public ContactHeader(NameAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
    }

    private ContactHeader()
    {
    }

    /// <summary>The wildcard Contact <c>*</c> (RFC 3261 §10.2.2), which has no address and no parameters.</summary>
    public static ContactHeader Star { get; } = new();

    /// <summary>Whether this is the wildcard <c>*</c> (RFC 3261 §10.2.2).</summary>
    [MemberNotNullWhen(false, nameof(Address))]
    public bool IsStar => Address is null;

    /// <summary>The address and its contact parameters, or <see langword="null"/> for the wildcard.</summary>
    public NameAddress? Address { get; }

    /// <summary>
    /// The expires parameter: how long the binding lasts, in seconds (RFC 3261 §10.2.1.1, §20.10), or
    /// <see langword="null"/> when absent.
    /// </summary>
    public uint? Expires => Address is null ? null : SipGrammar.GetDeltaSecondsParameter(Address.Parameters, "expires");

    /// <summary>
    /// The q parameter: the preference of this contact among others, 0 to 1 with at most three decimals
    /// (RFC 3261 §20.10, §25.1 <c>qvalue</c>), or <see langword="null"/> when absent.
    /// </summary>
    public double? Q => Address is not null && Address.Parameters.TryGetValue("q", out string? raw) &&
        TryParseQValue(raw.AsSpan(), out int thousandths, out _)
            ? thousandths / 1000.0
            : null;

    /// <summary>
    /// Parses one <c>contact-param</c> (RFC 3261 §25.1): <c>(name-addr / addr-spec) *(SEMI contact-params)</c>,
    /// or the whole value <c>*</c>. The <c>expires</c> parameter must be <c>delta-seconds</c> up to 2^32-1 and
    /// <c>q</c> a <c>qvalue</c>.
    /// </summary>
    /// <param name="value">One element of the Contact header field, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> for an expires above 2^32-1 (e.g. the 280297596632815 of
    /// RFC 4475 §3.1.2.4) or a q above 1; <see cref="SipRejectReason.MalformedParameter"/> for an otherwise bad
    /// expires or q; <see cref="SipRejectReason.MalformedHeader"/> for a <c>*</c> with parameters; or the reason
    /// <see cref="NameAddress.TryParse"/> gives.
    /// </param>
    /// <returns>Whether the value is a valid Contact element.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ContactHeader? result, out SipRejectReason reason)
    {
        bool ok = TryRead(value, build: true, out result, out _, out reason);
        return ok && result is not null;
    }

    /// <summary>
    /// Checks one <c>contact-param</c> as <see cref="TryParse"/> does, with the same reasons, without building it or
    /// allocating (but for a URI parameter that holds an escape, resolved to be checked).
    /// </summary>
    /// <param name="value">One element of the Contact header field, unfolded.</param>
    /// <param name="star">Whether it is the wildcard <c>*</c>.</param>
    /// <param name="reason">Why it is malformed.</param>
    /// <returns>Whether <see cref="TryParse"/> would succeed.</returns>
    internal static bool TryValidate(ReadOnlySpan<char> value, out bool star, out SipRejectReason reason) =>
        TryRead(value, build: false, out _, out star, out reason);

    // One walk over the grammar for both: building allocates the value, checking only reads it.
    private static bool TryRead(ReadOnlySpan<char> value, bool build, out ContactHeader? result, out bool star, out SipRejectReason reason)
    {
        result = null;
        star = false;
        value = SipGrammar.TrimWhitespace(value);
        if (value.Length > 0 && value[0] == '*')
        {
            int next = SipGrammar.SkipWhitespace(value, 1);
            if (next == value.Length)
            {
                star = true;
                result = build ? Star : null;
                reason = default;
                return true;
            }

            // STAR stands alone (RFC 3261 §10.2.2); "*" before a '<' would be a token display name.
            if (value[next] == ';')
            {
                reason = SipRejectReason.MalformedHeader;
                return false;
            }
        }

        if (!NameAddress.TryRead(value, build, out NameAddress? address, out ReadOnlySpan<char> parameters, out reason))
        {
            return false;
        }

        // The first expires and q, the ones SipParameters answers with, found in one pass.
        FirstHeaderParameter expires = default, q = default;
        var reader = new HeaderParameterReader(parameters);
        while (!parameters.IsEmpty && reader.TryRead(out ReadOnlySpan<char> name, out ReadOnlySpan<char> text, out bool hasValue, out _))
        {
            _ = expires.TryTake(name, "expires", text, hasValue) || q.TryTake(name, "q", text, hasValue);
        }

        // expires = delta-seconds up to 2^32-1, q a qvalue; a flag is neither.
        if (expires.Found && !SipGrammar.TryParseDeltaSeconds(expires.Value, SipRejectReason.MalformedParameter, out _, out reason))
        {
            return false;
        }

        if (q.Found && !TryParseQValue(q.Value, out _, out reason))
        {
            return false;
        }

        result = build ? new ContactHeader(address!) : null;
        reason = default;
        return true;
    }

    /// <summary>The canonical value: <c>*</c>, or the address as <see cref="NameAddress.ToString"/> writes it.</summary>
    /// <returns>The value, e.g. <c>"Mr. Watson" &lt;sip:watson@worcester.bell-telephone.com&gt;;q=0.7;expires=3600</c>.</returns>
    public override string ToString() => Address?.ToString() ?? "*";

    // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), read as thousandths.
    private static bool TryParseQValue(ReadOnlySpan<char> text, out int thousandths, out SipRejectReason reason)
    {
        thousandths = 0;
        reason = SipRejectReason.MalformedParameter;
        if (text.IsEmpty)
        {
            return false;
        }

        int dot = text.IndexOf('.');
        ReadOnlySpan<char> whole = dot < 0 ? text : text[..dot];
        ReadOnlySpan<char> fraction = dot < 0 ? [] : text[(dot + 1)..];
        if (whole.IsEmpty || whole.ContainsAnyExceptInRange('0', '9') || fraction.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        if (whole.TrimStart('0').Length > 1 || (whole.TrimStart('0') is [char digit] && digit > '1'))
        {
            reason = SipRejectReason.ValueOutOfRange;
            return false;
        }

        if (whole.Length > 1 || fraction.Length > 3)
        {
            return false;
        }

        int value = (whole[0] - '0') * 1000;
        for (int i = 0, scale = 100; i < fraction.Length; i++, scale /= 10)
        {
            value += (fraction[i] - '0') * scale;
        }

        if (value > 1000)
        {
            reason = SipRejectReason.ValueOutOfRange;
            return false;
        }

        thousandths = value;
        reason = default;
        return true;
    }
}
