using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a WWW-Authenticate or Proxy-Authenticate header field (a challenge, RFC 3261 §20.44, §20.27) or
/// of an Authorization or Proxy-Authorization header field (credentials, RFC 3261 §20.7, §20.28): an
/// authentication scheme such as Digest (RFC 3261 §22.4, RFC 7616) followed by comma-separated
/// <c>auth-param</c>s, or by a single <c>token68</c> (RFC 7235 §2.1, as Bearer uses in RFC 8898).
/// </summary>
/// <remarks>
/// The commas of these header fields separate parameters, not values: the header field value must reach
/// <see cref="TryParse"/> whole, never through <see cref="SipHeaderSplitter"/>.
/// </remarks>
public sealed class AuthHeader
{
    /// <summary>The Digest scheme (RFC 3261 §22.4, RFC 7616).</summary>
    public const string DigestScheme = "Digest";

    private readonly List<AuthParameter> _parameters;

    /// <summary>Creates a challenge or credentials with no parameters yet; add them with <see cref="SetParameter"/>.</summary>
    /// <param name="scheme">The scheme, e.g. <see cref="DigestScheme"/>: a <c>token</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="scheme"/> is not a token.</exception>
    public AuthHeader(string scheme)
    {
        if (!SipGrammar.IsToken(scheme))
        {
            throw new ArgumentException("The scheme must be a token (RFC 3261 §25.1).", nameof(scheme));
        }

        Scheme = scheme;
        _parameters = [];
    }

    /// <summary>Creates a challenge or credentials of the <c>token68</c> form, e.g. <c>Bearer</c> and a token.</summary>
    /// <param name="scheme">The scheme: a <c>token</c>.</param>
    /// <param name="token68">The token: RFC 7235 §2.1 <c>token68</c>.</param>
    /// <exception cref="ArgumentException">An argument does not follow the grammar.</exception>
    public AuthHeader(string scheme, string token68)
        : this(scheme)
    {
        if (!SipGrammar.IsToken68(token68))
        {
            throw new ArgumentException("The value must be a token68 (RFC 7235 §2.1).", nameof(token68));
        }

        Token68 = token68;
    }

    /// <summary>The scheme, as written; compared ignoring case (RFC 7235 §2.1).</summary>
    public string Scheme { get; }

    /// <summary>Whether <see cref="Scheme"/> is Digest.</summary>
    public bool IsDigest => Scheme.Equals(DigestScheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>token68</c> that follows the scheme, or <see langword="null"/> when the parameter form is used.</summary>
    public string? Token68 { get; }

    /// <summary>The parameters in the order written, values unquoted and unescaped.</summary>
    public IReadOnlyList<AuthParameter> Parameters => _parameters;

    /// <summary>The realm (RFC 3261 §22.1, RFC 7616 §3.3), or <see langword="null"/>.</summary>
    public string? Realm => GetParameter("realm");

    /// <summary>The domain of a challenge (RFC 7616 §3.3), or <see langword="null"/>.</summary>
    public string? Domain => GetParameter("domain");

    /// <summary>The nonce (RFC 7616 §3.3), or <see langword="null"/>.</summary>
    public string? Nonce => GetParameter("nonce");

    /// <summary>The opaque value the client must return unchanged (RFC 7616 §3.3), or <see langword="null"/>.</summary>
    public string? Opaque => GetParameter("opaque");

    /// <summary>The algorithm, e.g. <c>MD5</c> or <c>SHA-256</c> (RFC 7616 §3.3), or <see langword="null"/> (MD5 is implied).</summary>
    public string? Algorithm => GetParameter("algorithm");

    /// <summary>
    /// The qop: in a challenge the comma-separated options offered (<c>auth,auth-int</c>), in credentials the one
    /// chosen (RFC 7616 §3.3, §3.4), or <see langword="null"/>.
    /// </summary>
    public string? Qop => GetParameter("qop");

    /// <summary>The user name of credentials (RFC 7616 §3.4), or <see langword="null"/>.</summary>
    public string? Username => GetParameter("username");

    /// <summary>The digest-uri of credentials: the Request-URI as the client wrote it (RFC 3261 §22.4, RFC 7616 §3.4), or <see langword="null"/>.</summary>
    public string? Uri => GetParameter("uri");

    /// <summary>The response digest of credentials (RFC 7616 §3.4), or <see langword="null"/>.</summary>
    public string? Response => GetParameter("response");

    /// <summary>The nonce count of credentials, 8 hex digits (RFC 7616 §3.4), or <see langword="null"/>.</summary>
    public string? Nc => GetParameter("nc");

    /// <summary>The client nonce of credentials (RFC 7616 §3.4), or <see langword="null"/>.</summary>
    public string? Cnonce => GetParameter("cnonce");

    /// <summary>
    /// Whether a challenge says the nonce was stale rather than the credentials wrong (RFC 7616 §3.3):
    /// <c>stale=true</c>, ignoring case.
    /// </summary>
    public bool Stale => GetParameter("stale") is string stale && stale.Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Looks up a parameter by name, ignoring case.</summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">The value, unquoted and unescaped, or <see langword="null"/> when absent.</param>
    /// <returns>Whether the parameter is present.</returns>
    public bool TryGetParameter(string name, [NotNullWhen(true)] out string? value)
    {
        int index = IndexOf(name);
        value = index < 0 ? null : _parameters[index].Value;
        return index >= 0;
    }

    /// <summary>Sets a parameter, replacing one of the same name (ignoring case) in place or appending it.</summary>
    /// <param name="name">The name, a <c>token</c>.</param>
    /// <param name="value">The value, unescaped: a <c>token</c> when not quoted; anything but CR and LF when quoted.</param>
    /// <param name="quoted">Whether to write the value as a quoted string (see <see cref="AuthParameter.IsQuoted"/>).</param>
    /// <exception cref="ArgumentException">The name or value does not follow the grammar.</exception>
    /// <exception cref="InvalidOperationException">This value uses the <c>token68</c> form.</exception>
    public void SetParameter(string name, string value, bool quoted)
    {
        if (!SipGrammar.IsToken(name))
        {
            throw new ArgumentException("The name must be a token (RFC 3261 §25.1).", nameof(name));
        }

        ArgumentNullException.ThrowIfNull(value);
        if (quoted ? !SipGrammar.IsQuotable(value) : !SipGrammar.IsToken(value))
        {
            throw new ArgumentException(
                quoted ? "A quoted value cannot hold CR or LF." : "An unquoted value must be a token (RFC 3261 §25.1).",
                nameof(value));
        }

        if (Token68 is not null)
        {
            throw new InvalidOperationException("A value of the token68 form has no parameters.");
        }

        var parameter = new AuthParameter(name, value, quoted);
        int index = IndexOf(name);
        if (index < 0)
        {
            _parameters.Add(parameter);
        }
        else
        {
            _parameters[index] = parameter;
        }
    }

    /// <summary>Removes a parameter by name, ignoring case.</summary>
    /// <param name="name">The parameter name.</param>
    /// <returns>Whether it was present.</returns>
    public bool RemoveParameter(string name)
    {
        int index = IndexOf(name);
        if (index >= 0)
        {
            _parameters.RemoveAt(index);
        }

        return index >= 0;
    }

    /// <summary>
    /// Parses a challenge or credentials (RFC 3261 §25.1 <c>challenge</c> / <c>credentials</c>, RFC 7235 §2.1):
    /// <c>auth-scheme [ 1*SP ( token68 / auth-param *(COMMA auth-param) ) ]</c>, with
    /// <c>auth-param = token EQUAL ( token / quoted-string )</c>. Empty list elements are skipped (RFC 7235 §2.1
    /// uses the list rule); a parameter may appear only once (RFC 7616 §3.3).
    /// </summary>
    /// <param name="value">The whole header field value, unfolded, not split on commas.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> for a bad scheme or a scheme not followed by white space;
    /// <see cref="SipRejectReason.MalformedParameter"/> for a bad, unseparated or repeated parameter;
    /// <see cref="SipRejectReason.UnterminatedQuotedString"/> or <see cref="SipRejectReason.InvalidCharacter"/>
    /// for a bad quoted string.
    /// </param>
    /// <returns>Whether the value is a valid challenge or credentials.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out AuthHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int schemeEnd = SipGrammar.ReadToken(value, 0);
        if (schemeEnd == 0)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        string scheme = value[..schemeEnd].Equals(DigestScheme, StringComparison.Ordinal)
            ? DigestScheme
            : value[..schemeEnd].ToString();
        if (schemeEnd == value.Length)
        {
            result = new AuthHeader(scheme);
            reason = default;
            return true;
        }

        int i = SipGrammar.SkipWhitespace(value, schemeEnd);
        if (i == schemeEnd)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        ReadOnlySpan<char> rest = value[i..];
        if (SipGrammar.IsToken68(rest))
        {
            result = new AuthHeader(scheme, rest.ToString());
            reason = default;
            return true;
        }

        var header = new AuthHeader(scheme);
        if (!header.TryParseParameters(rest, out reason))
        {
            return false;
        }

        result = header;
        return true;
    }

    /// <summary>
    /// The canonical header field value: the scheme, a space, and the parameters joined by <c>", "</c>, e.g.
    /// <c>Digest realm="atlanta.com", nonce="84a4cc6f", algorithm=MD5</c>.
    /// </summary>
    /// <returns>The value, quoting and escaping as <see cref="AuthParameter.IsQuoted"/> says.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(128);
        builder.Append(Scheme);
        if (Token68 is not null)
        {
            builder.Append(' ').Append(Token68);
        }

        for (int i = 0; i < _parameters.Count; i++)
        {
            AuthParameter parameter = _parameters[i];
            builder.Append(i == 0 ? " " : ", ").Append(parameter.Name).Append('=');
            if (parameter.IsQuoted)
            {
                SipGrammar.AppendQuoted(builder, parameter.Value);
            }
            else
            {
                builder.Append(parameter.Value);
            }
        }

        return builder.ToString();
    }

    private bool TryParseParameters(ReadOnlySpan<char> text, out SipRejectReason reason)
    {
        int i = 0;
        while (true)
        {
            i = SipGrammar.SkipWhitespace(text, i);
            if (i == text.Length)
            {
                reason = default;
                return true;
            }

            if (text[i] == ',')
            {
                i++;
                continue;
            }

            // auth-param-name EQUAL, with EQUAL = SWS "=" SWS.
            int nameEnd = SipGrammar.ReadToken(text, i);
            ReadOnlySpan<char> name = text[i..nameEnd];
            i = SipGrammar.SkipWhitespace(text, nameEnd);
            if (name.IsEmpty || i == text.Length || text[i] != '=')
            {
                reason = SipRejectReason.MalformedParameter;
                return false;
            }

            i = SipGrammar.SkipWhitespace(text, i + 1);
            string value;
            bool quoted = i < text.Length && text[i] == '"';
            if (quoted)
            {
                if (!SipGrammar.TryReadQuotedString(text, i, out int end, out reason))
                {
                    return false;
                }

                value = SipGrammar.Unquote(text[i..end]);
                i = end;
            }
            else
            {
                int end = SipGrammar.ReadToken(text, i);
                if (end == i)
                {
                    reason = SipRejectReason.MalformedParameter;
                    return false;
                }

                value = text[i..end].ToString();
                i = end;
            }

            string nameText = name.ToString();
            if (IndexOf(nameText) >= 0)
            {
                reason = SipRejectReason.MalformedParameter;
                return false;
            }

            _parameters.Add(new AuthParameter(nameText, value, quoted));

            // Each parameter ends the value or is followed by COMMA.
            i = SipGrammar.SkipWhitespace(text, i);
            if (i < text.Length && text[i] != ',')
            {
                reason = SipRejectReason.MalformedParameter;
                return false;
            }
        }
    }

    private string? GetParameter(string name)
    {
        int index = IndexOf(name);
        return index < 0 ? null : _parameters[index].Value;
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < _parameters.Count; i++)
        {
            if (string.Equals(_parameters[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
