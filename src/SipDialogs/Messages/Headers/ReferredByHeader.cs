using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a Referred-By header field (RFC 3892 §3): who sent a REFER, copied by the recipient into the
/// request it sends as a result, optionally with the <c>cid</c> of a signed token in the body.
/// </summary>
public sealed class ReferredByHeader
{
    // RFC 2822 §3.2.4 atext: ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" / "=" /
    // "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"
    private static readonly SearchValues<char> _atext = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~");

    /// <summary>Creates a Referred-By value.</summary>
    /// <param name="address">The referrer's address; its parameters are the Referred-By parameters.</param>
    /// <param name="cid">
    /// The Content-ID of the Referred-By token body (RFC 3892 §3 <c>sip-clean-msg-id</c>, e.g.
    /// <c>20398823.2UWQFN309shb3@referrer.example</c>), unquoted, or <see langword="null"/> to leave the address as it is.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="cid"/> is not of the form <c>local@domain</c>.</exception>
    public ReferredByHeader(NameAddress address, string? cid = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (cid is not null)
        {
            if (!IsCleanMessageId(cid))
            {
                throw new ArgumentException("The cid must be dot-atom \"@\" (dot-atom / host) (RFC 3892 §3).", nameof(cid));
            }

            address.Parameters.Set("cid", SipGrammar.Quote(cid));
        }

        Address = address;
    }

    /// <summary>The referrer's address, with the header parameters.</summary>
    public NameAddress Address { get; }

    /// <summary>The cid parameter without its quotes (RFC 3892 §3 <c>referredby-id-param</c>), or <see langword="null"/>.</summary>
    public string? Cid => SipGrammar.UnquoteIfQuoted(Address.Parameters["cid"]);

    /// <summary>
    /// Parses a Referred-By header field value (RFC 3892 §3):
    /// <c>referrer-uri *( SEMI (referredby-id-param / generic-param) )</c>, where <c>referrer-uri</c> is a
    /// name-addr or addr-spec and the <c>cid</c> parameter is a quoted <c>local@domain</c>.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedParameter"/> for a bad cid, or the reason <see cref="NameAddress.TryParse"/> gives.
    /// </param>
    /// <returns>Whether the value is a valid Referred-By.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ReferredByHeader? result, out SipRejectReason reason)
    {
        result = null;
        if (!NameAddress.TryParse(value, out NameAddress? address, out reason))
        {
            return false;
        }

        // sip-clean-msg-id = LDQUOT dot-atom "@" (dot-atom / host) RDQUOT
        if (address.Parameters.TryGetValue("cid", out string? cid) &&
            (cid is null || !SipGrammar.IsQuotedString(cid) || !IsCleanMessageId(SipGrammar.Unquote(cid))))
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        result = new ReferredByHeader(address);
        return true;
    }

    /// <summary>The canonical value, as <see cref="NameAddress.ToString"/> writes it.</summary>
    /// <returns>The value text, e.g. <c>&lt;sip:referrer@referrer.example&gt;;cid="20398823.2UWQFN309shb3@referrer.example"</c>.</returns>
    public override string ToString() => Address.ToString();

    // dot-atom "@" (dot-atom / host): a dot-atom is atoms (RFC 2822 atext) joined by single dots.
    private static bool IsCleanMessageId(ReadOnlySpan<char> id)
    {
        int at = id.IndexOf('@');
        if (at < 0)
        {
            return false;
        }

        ReadOnlySpan<char> domain = id[(at + 1)..];
        return IsDotAtom(id[..at]) && (IsDotAtom(domain) || SipGrammar.IsHost(domain));
    }

    private static bool IsDotAtom(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (Range part in text.Split('.'))
        {
            ReadOnlySpan<char> atom = text[part];
            if (atom.IsEmpty)
            {
                return false;
            }

            if (atom.ContainsAnyExcept(_atext))
            {
                return false;
            }
        }

        return true;
    }
}
