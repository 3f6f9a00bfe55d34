using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// A tel URI (RFC 3966): a global number (<c>tel:+1-201-555-0123</c>) or a local number with its required
/// <c>phone-context</c> (<c>tel:7042;phone-context=example.com</c>), followed by parameters.
/// </summary>
/// <remarks>
/// Parameters are held unescaped in <see cref="Parameters"/> and escaped again on output. Changing them is
/// allowed, but removing the <c>phone-context</c> of a local number makes the URI unparsable.
/// </remarks>
public sealed class TelUri : AddrSpec
{
    private const string PhoneContextName = "phone-context";
    private const string Extension = "ext";

    private readonly string _number;
    private readonly SipParameters _parameters;

    /// <summary>Builds a tel URI (RFC 3966 §3).</summary>
    /// <param name="number">A global number (<c>+</c>, digits and visual separators <c>-.()</c>) or a local
    /// number (hex digits, <c>*</c>, <c>#</c> and visual separators).</param>
    /// <param name="phoneContext">The <c>phone-context</c> a local number requires (RFC 3966 §5.1.5): a domain
    /// name or a global number prefix. Must be <see langword="null"/> for a global number.</param>
    /// <exception cref="ArgumentException">The number is invalid, or the context is missing, superfluous or invalid.</exception>
    public TelUri(string number, string? phoneContext = null)
    {
        ArgumentNullException.ThrowIfNull(number);
        if (!IsNumber(number, out bool global))
        {
            throw new ArgumentException($"'{number}' is not a telephone number.", nameof(number));
        }

        if (global ? phoneContext is not null : phoneContext is null || !IsDescriptor(phoneContext))
        {
            throw new ArgumentException(
                global ? "A global number has no phone-context." : "A local number needs a valid phone-context.",
                nameof(phoneContext));
        }

        _number = number;
        _parameters = new SipParameters(SipParameterSyntax.TelParameter);
        if (phoneContext is not null)
        {
            _parameters.Set(PhoneContextName, phoneContext);
        }
    }

    private TelUri(string number, SipParameters parameters)
    {
        _number = number;
        _parameters = parameters;
    }

    /// <inheritdoc />
    public override string Scheme => "tel";

    /// <summary>The number as written, visual separators included, without parameters (RFC 3966 §3).</summary>
    public string Number => _number;

    /// <summary>True for a global number, which starts with '+' (RFC 3966 §5.1.4).</summary>
    public bool IsGlobal => _number[0] == '+';

    /// <summary>The parameters (RFC 3966 §3 <c>par</c>: <c>isub</c>, <c>ext</c>, <c>phone-context</c> and others), held unescaped.</summary>
    public SipParameters Parameters => _parameters;

    /// <summary>The <c>phone-context</c> parameter (RFC 3966 §5.1.5), or <see langword="null"/>.</summary>
    public string? PhoneContext => _parameters[PhoneContextName];

    /// <summary>Parses what follows "tel:" (RFC 3966 §3 <c>telephone-subscriber</c>).</summary>
    internal static bool TryParseAfterScheme(ReadOnlySpan<char> text, [NotNullWhen(true)] out AddrSpec? uri, out SipRejectReason reason)
    {
        uri = null;
        if (!TryValidateAfterScheme(text, out reason))
        {
            return false;
        }

        int semicolon = text.IndexOf(';');
        var parameters = new SipParameters(SipParameterSyntax.TelParameter);
        if (semicolon >= 0)
        {
            _ = parameters.TryParseInto(text[(semicolon + 1)..], out _);
        }

        uri = new TelUri(new string(semicolon < 0 ? text : text[..semicolon]), parameters);
        return true;
    }

    /// <summary>
    /// Checks what follows "tel:" as <see cref="TryParseAfterScheme"/> does, without building the URI or allocating
    /// (but for a parameter that holds an escape, resolved to be checked).
    /// </summary>
    internal static bool TryValidateAfterScheme(ReadOnlySpan<char> text, out SipRejectReason reason)
    {
        int semicolon = text.IndexOf(';');
        ReadOnlySpan<char> number = semicolon < 0 ? text : text[..semicolon];
        if (!IsNumber(number, out bool global))
        {
            reason = SipRejectReason.MalformedUri;
            foreach (char c in number)
            {
                if (UriSyntax.IsForbidden(c) && c != '#')
                {
                    reason = SipRejectReason.InvalidCharacter;
                    break;
                }
            }

            return false;
        }

        ReadOnlySpan<char> parameters = semicolon < 0 ? [] : text[(semicolon + 1)..];
        if (semicolon >= 0 && !UriParameterReader.IsValid(parameters, SipParameterSyntax.TelParameter, out reason))
        {
            return false;
        }

        if (TryFindParameter(semicolon, parameters, PhoneContextName, out ReadOnlySpan<char> context, out bool hasContext))
        {
            // RFC 3966 §3: context appears only in a local-number, as a domain name or global digits.
            if (global || !hasContext || !IsDescriptor(context))
            {
                reason = SipRejectReason.MalformedParameter;
                return false;
            }
        }
        else if (!global)
        {
            // RFC 3966 §5.1.5: a local number MUST carry phone-context.
            reason = SipRejectReason.MalformedUri;
            return false;
        }

        if (TryFindParameter(semicolon, parameters, Extension, out ReadOnlySpan<char> extension, out bool hasExtension) &&
            (!hasExtension || !IsPhoneDigits(extension)))
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        reason = default;
        return true;
    }

    private static bool TryFindParameter(
        int semicolon, ReadOnlySpan<char> parameters, string name, out ReadOnlySpan<char> value, out bool hasValue)
    {
        value = default;
        hasValue = false;
        return semicolon >= 0 && UriParameterReader.TryFind(parameters, SipParameterSyntax.TelParameter, name, out value, out hasValue);
    }

    private static bool IsVisualSeparator(char c) => c is '-' or '.' or '(' or ')';

    private static bool IsNumber(ReadOnlySpan<char> number, out bool global)
    {
        global = !number.IsEmpty && number[0] == '+';
        if (global)
        {
            // global-number-digits = "+" *phonedigit DIGIT *phonedigit
            return IsPhoneDigits(number[1..]);
        }

        // local-number-digits = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex
        bool any = false;
        foreach (char c in number)
        {
            if (char.IsAsciiHexDigit(c) || c is '*' or '#')
            {
                any = true;
            }
            else if (!IsVisualSeparator(c))
            {
                return false;
            }
        }

        return any;
    }

    private static bool IsPhoneDigits(ReadOnlySpan<char> text)
    {
        bool any = false;
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                any = true;
            }
            else if (!IsVisualSeparator(c))
            {
                return false;
            }
        }

        return any;
    }

    // descriptor = domainname / global-number-digits (RFC 3966 §3)
    private static bool IsDescriptor(ReadOnlySpan<char> value) =>
        value.Length > 0 && (value[0] == '+' ? IsPhoneDigits(value[1..]) : SipGrammar.IsHostname(value));

    /// <summary>
    /// Compares by RFC 3966 §4: both global or both local; numbers equal once visual separators are removed;
    /// the same set of parameter names (ignoring case and order) with equal values, <c>phone-context</c>
    /// numbers and <c>ext</c> compared without visual separators; all comparisons ignoring case.
    /// </summary>
    /// <param name="other">The URI to compare with.</param>
    /// <returns><see langword="true"/> when the URIs are equivalent.</returns>
    public override bool UriEquals(AddrSpec other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is TelUri o
            && IsGlobal == o.IsGlobal
            && DigitsEqual(_number, o._number)
            && Covers(_parameters, o._parameters)
            && Covers(o._parameters, _parameters);
    }

    private static bool DigitsEqual(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int i = 0;
        int j = 0;
        while (true)
        {
            while (i < a.Length && IsVisualSeparator(a[i]))
            {
                i++;
            }

            while (j < b.Length && IsVisualSeparator(b[j]))
            {
                j++;
            }

            if (i == a.Length || j == b.Length)
            {
                return i == a.Length && j == b.Length;
            }

            if (char.ToUpperInvariant(a[i]) != char.ToUpperInvariant(b[j]))
            {
                return false;
            }

            i++;
            j++;
        }
    }

    // Every name of a (first occurrence) is in b with an equal value.
    private static bool Covers(SipParameters a, SipParameters b)
    {
        for (int i = 0; i < a.Count; i++)
        {
            if (!a.IsFirstOccurrence(i))
            {
                continue;
            }

            SipParameter p = a[i];
            if (!b.TryGetValue(p.Name, out string? value) || !ValuesEqual(p.Name, p.Value, value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IgnoresSeparators(string name, string value) =>
        name.Equals(Extension, StringComparison.OrdinalIgnoreCase)
        || (name.Equals(PhoneContextName, StringComparison.OrdinalIgnoreCase) && value.Length > 0 && value[0] == '+');

    private static bool ValuesEqual(string name, string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (IgnoresSeparators(name, a) && IgnoresSeparators(name, b))
        {
            return DigitsEqual(a, b);
        }

        return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }

    private static int DigitsHash(ReadOnlySpan<char> text)
    {
        var hash = default(HashCode);
        foreach (char c in text)
        {
            if (!IsVisualSeparator(c))
            {
                hash.Add(char.ToUpperInvariant(c));
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>A hash consistent with <see cref="UriEquals"/>: number without separators, and every parameter.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode()
    {
        int parameters = 0;
        for (int i = 0; i < _parameters.Count; i++)
        {
            if (!_parameters.IsFirstOccurrence(i))
            {
                continue;
            }

            SipParameter p = _parameters[i];
            int value = p.Value is null ? 0
                : IgnoresSeparators(p.Name, p.Value) ? DigitsHash(p.Value)
                : UriSyntax.HashIgnoreCase(p.Value);
            parameters = unchecked(parameters + HashCode.Combine(UriSyntax.HashIgnoreCase(p.Name), value));
        }

        return HashCode.Combine(IsGlobal, DigitsHash(_number), parameters);
    }

    /// <summary>Appends <c>tel:</c>, the number as written and the parameters, escaped, in their order.</summary>
    /// <param name="sb">The builder to append to.</param>
    public override void AppendTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        sb.Append("tel:").Append(_number);
        _parameters.AppendTo(sb, ';', ';');
    }
}
