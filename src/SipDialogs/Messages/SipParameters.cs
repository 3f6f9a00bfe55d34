using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// An ordered list of parameters <c>name[=value]</c>: the <c>generic-param</c>s of a header (RFC 3261 §7.3.1,
/// §25.1), or the <c>uri-parameter</c>s and <c>header</c>s of a SIP URI (RFC 3261 §19.1.1). Names compare
/// ordinally ignoring case; duplicates are kept, and lookups answer with the first.
/// </summary>
/// <remarks>
/// <para>
/// How values are held depends on where the list lives. In a header (a list made with the public
/// constructor or by <see cref="TryParse"/> with ';'), names and values are kept exactly as written, a
/// quoted-string value keeping its quotes and backslash escapes (<c>"\"a b\""</c>). In a SIP or tel URI
/// (<see cref="SipUri.Parameters"/>, <see cref="SipUri.Headers"/>, <see cref="TelUri.Parameters"/>, or
/// <see cref="TryParse"/> with '&amp;'), names and values are held with their <c>%HH</c> escapes resolved,
/// and <see cref="AppendTo(StringBuilder, char)"/> escapes again whatever the grammar requires (RFC 3261 §19.1.2).
/// </para>
/// <para>A flag parameter (<c>;lr</c>) has a <see langword="null"/> value; a URI header always has a value, perhaps empty.</para>
/// </remarks>
public sealed class SipParameters
{
    // Names worth not allocating again for every message: reused only when spelled exactly so.
    private static readonly string[] _commonNames =
        ["tag", "branch", "lr", "transport", "user", "method", "ttl", "maddr", "expires", "q", "received", "rport"];

    private readonly SipParameterSyntax _syntax;
    private List<SipParameter>? _items;

    /// <summary>Creates an empty list of header parameters (RFC 3261 §7.3.1 <c>generic-param</c>).</summary>
    public SipParameters()
        : this(SipParameterSyntax.Header)
    {
    }

    internal SipParameters(SipParameterSyntax syntax) => _syntax = syntax;

    /// <summary>The grammar this list follows.</summary>
    internal SipParameterSyntax Syntax => _syntax;

    /// <summary>The number of parameters, duplicates included.</summary>
    public int Count => _items?.Count ?? 0;

    /// <summary>The parameter at <paramref name="index"/>, in the order written.</summary>
    /// <param name="index">A position from 0 to <see cref="Count"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the list.</exception>
    public SipParameter this[int index]
    {
        get
        {
            if (_items is null || (uint)index >= (uint)_items.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return _items[index];
        }
    }

    /// <summary>
    /// The value of the first parameter called <paramref name="name"/> (ignoring case), or
    /// <see langword="null"/> when it is absent or a flag; use <see cref="TryGetValue"/> or
    /// <see cref="Contains"/> to tell those apart.
    /// </summary>
    /// <param name="name">The parameter name.</param>
    public string? this[string name] => TryGetValue(name, out string? value) ? value : null;

    /// <summary>Looks up the first parameter called <paramref name="name"/>, ignoring case.</summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">Its value; <see langword="null"/> for a flag parameter or when absent.</param>
    /// <returns><see langword="true"/> when the parameter is present.</returns>
    public bool TryGetValue(string name, out string? value)
    {
        int index = IndexOf(name);
        if (index < 0)
        {
            value = null;
            return false;
        }

        value = _items![index].Value;
        return true;
    }

    /// <summary>True when a parameter called <paramref name="name"/> is present (ignoring case).</summary>
    /// <param name="name">The parameter name.</param>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>
    /// Sets the first parameter called <paramref name="name"/> to <paramref name="value"/>, removing any later
    /// duplicates, or appends it when absent.
    /// </summary>
    /// <param name="name">The parameter name: a token in a header; any non-empty text in a URI (it is escaped
    /// on output); alphanumerics and '-' in a tel URI (RFC 3966 §3 <c>pname</c>).</param>
    /// <param name="value">
    /// The value, <see langword="null"/> for a flag. In a header: a token, a host, or a complete quoted-string
    /// with its quotes. In a URI: any non-empty text, unescaped. For URI headers <see langword="null"/> means an
    /// empty value.
    /// </param>
    /// <exception cref="ArgumentException">The name or value does not fit the list's grammar.</exception>
    public void Set(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid parameter name here.", nameof(name));
        }

        if (_syntax == SipParameterSyntax.UriHeader)
        {
            value ??= string.Empty;
        }

        if (value is not null && !IsValidValue(value))
        {
            throw new ArgumentException($"'{value}' is not a valid parameter value here.", nameof(value));
        }

        int index = IndexOf(name);
        if (index < 0)
        {
            (_items ??= new List<SipParameter>(4)).Add(new SipParameter(name, value));
            return;
        }

        _items![index] = new SipParameter(name, value);
        for (int i = _items.Count - 1; i > index; i--)
        {
            if (string.Equals(_items[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                _items.RemoveAt(i);
            }
        }
    }

    /// <summary>Removes every parameter called <paramref name="name"/> (ignoring case).</summary>
    /// <param name="name">The parameter name.</param>
    /// <returns><see langword="true"/> when at least one was removed.</returns>
    public bool Remove(string name)
    {
        if (_items is null)
        {
            return false;
        }

        bool removed = false;
        for (int i = _items.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_items[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                _items.RemoveAt(i);
                removed = true;
            }
        }

        return removed;
    }

    /// <summary>Removes every parameter.</summary>
    public void Clear() => _items?.Clear();

    /// <summary>
    /// Parses a parameter list that starts right after its leading separator, e.g. <c>tag=a6c85cf;lr</c> (the
    /// caller has consumed the first ';'), or <c>subject=project%20x&amp;priority=urgent</c> (the caller has
    /// consumed the '?' of a URI). Empty text gives an empty list.
    /// </summary>
    /// <param name="text">The parameters, without the leading separator.</param>
    /// <param name="separator">
    /// ';' for header parameters (RFC 3261 §7.3.1 <c>*(SEMI generic-param)</c>: LWS allowed around ';' and '=',
    /// values are tokens, hosts or quoted-strings kept as written); '&amp;' for URI headers (RFC 3261 §19.1.1
    /// <c>hname "=" hvalue</c>, no LWS, escapes resolved).
    /// </param>
    /// <param name="result">The parameters on success.</param>
    /// <param name="reason">On failure: <see cref="SipRejectReason.MalformedParameter"/>,
    /// <see cref="SipRejectReason.UnterminatedQuotedString"/>, <see cref="SipRejectReason.InvalidEscape"/> or
    /// <see cref="SipRejectReason.InvalidCharacter"/>; undefined (0) on success.</param>
    /// <returns><see langword="true"/> when the whole text parsed.</returns>
    public static bool TryParse(
        ReadOnlySpan<char> text,
        char separator,
        [NotNullWhen(true)] out SipParameters? result,
        out SipRejectReason reason)
    {
        SipParameterSyntax syntax;
        if (separator == ';')
        {
            syntax = SipParameterSyntax.Header;
            if (SipGrammar.SkipLws(text, 0) == text.Length)
            {
                result = new SipParameters(syntax);
                reason = default;
                return true;
            }
        }
        else if (separator == '&')
        {
            syntax = SipParameterSyntax.UriHeader;
        }
        else
        {
            result = null;
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        result = new SipParameters(syntax);
        if (text.IsEmpty)
        {
            reason = default;
            return true;
        }

        if (!result.TryParseInto(text, out reason))
        {
            result = null;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Parses <paramref name="text"/> (at least one parameter, leading separator already consumed) following
    /// this list's grammar and appends what it finds.
    /// </summary>
    internal bool TryParseInto(ReadOnlySpan<char> text, out SipRejectReason reason) => _syntax switch
    {
        SipParameterSyntax.Header => TryParseHeaderParameters(text, out reason),
        _ => TryParseUriList(text, out reason),
    };

    private bool TryParseHeaderParameters(ReadOnlySpan<char> text, out SipRejectReason reason)
    {
        var reader = new HeaderParameterReader(text);
        while (reader.TryRead(out ReadOnlySpan<char> name, out ReadOnlySpan<char> value, out bool hasValue, out reason))
        {
            Add(Name(name), hasValue ? new string(value) : null);
        }

        return reason == default;
    }

    private bool TryParseUriList(ReadOnlySpan<char> text, out SipRejectReason reason)
    {
        var reader = new UriParameterReader(text, _syntax);
        while (reader.TryRead(out ReadOnlySpan<char> name, out ReadOnlySpan<char> value, out bool hasValue, out reason))
        {
            Add(name.Contains('%') ? UriSyntax.Unescape(name) : Name(name), hasValue ? UriSyntax.Unescape(value) : null);
        }

        return reason == default;
    }

    private static string Name(ReadOnlySpan<char> name)
    {
        foreach (string common in _commonNames)
        {
            if (name.SequenceEqual(common))
            {
                return common;
            }
        }

        return new string(name);
    }

    private void Add(string name, string? value) => (_items ??= new List<SipParameter>(4)).Add(new SipParameter(name, value));

    private int IndexOf(string name)
    {
        if (_items is null)
        {
            return -1;
        }

        for (int i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True when the parameter at <paramref name="index"/> is the first with its name.</summary>
    internal bool IsFirstOccurrence(int index)
    {
        string name = _items![index].Name;
        for (int i = 0; i < index; i++)
        {
            if (string.Equals(_items[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        return _syntax switch
        {
            SipParameterSyntax.Header => SipGrammar.IsToken(name),
            SipParameterSyntax.TelParameter => IsTelName(name),
            _ => true,
        };
    }

    private static bool IsTelName(string name)
    {
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private bool IsValidValue(string value)
    {
        switch (_syntax)
        {
            case SipParameterSyntax.Header:
                if (value.Length > 0 && value[0] == '"')
                {
                    return SipGrammar.IsQuotedString(value) && SipGrammar.IsQuotable(value);
                }

                if (value.Length == 0)
                {
                    return false;
                }

                foreach (char c in value)
                {
                    if (!HeaderParameterReader.IsValueChar(c))
                    {
                        return false;
                    }
                }

                return true;

            case SipParameterSyntax.UriHeader:
                return true;

            default:
                return value.Length > 0;
        }
    }

    /// <summary>
    /// Writes each parameter preceded by <paramref name="separator"/> in canonical form: no white space,
    /// <c>name=value</c> or <c>name</c> for a flag, names as written. URI lists escape their names and values
    /// (RFC 3261 §19.1.2); header lists write them as held.
    /// </summary>
    /// <param name="sb">The builder to append to.</param>
    /// <param name="separator">The separator written before every parameter, e.g. ';'.</param>
    public void AppendTo(StringBuilder sb, char separator) => AppendTo(sb, separator, separator);

    /// <summary>As <see cref="AppendTo(StringBuilder, char)"/>, with a different separator before the first parameter.</summary>
    internal void AppendTo(StringBuilder sb, char first, char separator)
    {
        ArgumentNullException.ThrowIfNull(sb);
        if (_items is null)
        {
            return;
        }

        ushort allowed = _syntax switch
        {
            SipParameterSyntax.UriHeader => UriSyntax.HeaderChars,
            _ => UriSyntax.ParamChars,
        };

        for (int i = 0; i < _items.Count; i++)
        {
            SipParameter item = _items[i];
            sb.Append(i == 0 ? first : separator);
            if (_syntax == SipParameterSyntax.Header)
            {
                sb.Append(item.Name);
                if (item.Value is not null)
                {
                    sb.Append('=').Append(item.Value);
                }

                continue;
            }

            UriSyntax.AppendEscaped(sb, item.Name, allowed);
            if (item.Value is not null)
            {
                sb.Append('=');
                UriSyntax.AppendEscaped(sb, item.Value, allowed);
            }
        }
    }

    /// <summary>The parameters in canonical form, each preceded by ';' (URI headers: '&amp;').</summary>
    /// <returns>The text, empty for an empty list.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        AppendTo(sb, _syntax == SipParameterSyntax.UriHeader ? '&' : ';');
        return sb.ToString();
    }
}
