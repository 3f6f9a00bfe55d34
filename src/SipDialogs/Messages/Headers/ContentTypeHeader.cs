using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a Content-Type header field (RFC 3261 §20.15): the media type of the body, e.g.
/// <c>application/sdp</c> or <c>message/sipfrag;version=2.0</c>, with its parameters.
/// </summary>
public sealed class ContentTypeHeader
{
    /// <summary>Creates a Content-Type value.</summary>
    /// <param name="type">The top-level type, e.g. "application": a <c>token</c>.</param>
    /// <param name="subtype">The subtype, e.g. "sdp": a <c>token</c>.</param>
    /// <param name="parameters">
    /// The parameters, used as they are (not copied), or <see langword="null"/> for none. Each needs a value: a
    /// token or a quoted-string with its quotes.
    /// </param>
    /// <exception cref="ArgumentException">A value does not follow the grammar.</exception>
    public ContentTypeHeader(string type, string subtype, SipParameters? parameters = null)
    {
        if (!SipGrammar.IsToken(type))
        {
            throw new ArgumentException("The type must be a token (RFC 3261 §25.1).", nameof(type));
        }

        if (!SipGrammar.IsToken(subtype))
        {
            throw new ArgumentException("The subtype must be a token (RFC 3261 §25.1).", nameof(subtype));
        }

        parameters ??= new SipParameters();
        if (!AreMediaParameters(parameters, out _))
        {
            throw new ArgumentException("Every media type parameter needs a token or quoted-string value (RFC 3261 §25.1).", nameof(parameters));
        }

        Type = type;
        Subtype = subtype;
        Parameters = parameters;
    }

    /// <summary>The top-level type as written, e.g. "application"; compared ignoring case (RFC 2045 §5.1).</summary>
    public string Type { get; }

    /// <summary>The subtype as written, e.g. "sdp"; compared ignoring case (RFC 2045 §5.1).</summary>
    public string Subtype { get; }

    /// <summary>The type and subtype as written, e.g. "application/sdp".</summary>
    public string MediaType => string.Concat(Type, "/", Subtype);

    /// <summary>The parameters (RFC 3261 §25.1 <c>m-parameter</c>) in the order written, values as written.</summary>
    public SipParameters Parameters { get; }

    /// <summary>Whether this is the media type <paramref name="type"/>/<paramref name="subtype"/>, ignoring case.</summary>
    /// <param name="type">The top-level type, e.g. "application".</param>
    /// <param name="subtype">The subtype, e.g. "sdp".</param>
    /// <returns>Whether both match.</returns>
    public bool IsMediaType(ReadOnlySpan<char> type, ReadOnlySpan<char> subtype) =>
        type.Equals(Type, StringComparison.OrdinalIgnoreCase) && subtype.Equals(Subtype, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a Content-Type header field value (RFC 3261 §25.1 <c>media-type</c>):
    /// <c>m-type SLASH m-subtype *(SEMI m-parameter)</c>, where <c>m-parameter = m-attribute EQUAL m-value</c>
    /// and <c>m-value = token / quoted-string</c>.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> for a bad type or subtype or text after them that is not a
    /// parameter; <see cref="SipRejectReason.MalformedParameter"/> for a parameter without a proper value;
    /// <see cref="SipRejectReason.UnterminatedQuotedString"/> for a quoted value that is not closed.
    /// </param>
    /// <returns>Whether the value is a valid media type.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ContentTypeHeader? result, out SipRejectReason reason)
    {
        bool ok = TryRead(value, build: true, out result, out reason);
        return ok && result is not null;
    }

    /// <summary>
    /// Checks a Content-Type header field value as <see cref="TryParse"/> does, with the same reasons, without
    /// building it or allocating.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="reason">Why it is malformed.</param>
    /// <returns>Whether <see cref="TryParse"/> would succeed.</returns>
    internal static bool TryValidate(ReadOnlySpan<char> value, out SipRejectReason reason) =>
        TryRead(value, build: false, out _, out reason);

    // One walk over the grammar for both: building allocates the value, checking only reads it.
    private static bool TryRead(ReadOnlySpan<char> value, bool build, out ContentTypeHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int typeEnd = SipGrammar.ReadToken(value, 0);
        int slash = SipGrammar.SkipWhitespace(value, typeEnd);
        if (typeEnd == 0 || slash == value.Length || value[slash] != '/')
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        int subtypeStart = SipGrammar.SkipWhitespace(value, slash + 1);
        int subtypeEnd = subtypeStart == value.Length ? subtypeStart : SipGrammar.ReadToken(value, subtypeStart);
        if (subtypeEnd == subtypeStart)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        if (!SipGrammar.TryReadHeaderParameters(value[subtypeEnd..], build, out SipParameters? parameters, out ReadOnlySpan<char> list, out reason) ||
            !AreMediaParameters(list, out reason))
        {
            return false;
        }

        if (parameters is not null)
        {
            result = new ContentTypeHeader(value[..typeEnd].ToString(), value[subtypeStart..subtypeEnd].ToString(), parameters);
        }

        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>text/html;charset=ISO-8859-4</c>.</summary>
    /// <returns>The media type and its parameters with no optional white space.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(32);
        builder.Append(Type).Append('/').Append(Subtype);
        Parameters.AppendTo(builder, ';');
        return builder.ToString();
    }

    private static bool AreMediaParameters(SipParameters parameters, out SipRejectReason reason)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            if (!IsMediaParameterValue(parameters[i].Value))
            {
                reason = SipRejectReason.MalformedParameter;
                return false;
            }
        }

        reason = default;
        return true;
    }

    // m-parameter = m-attribute EQUAL m-value, for every parameter of a well-formed list.
    private static bool AreMediaParameters(ReadOnlySpan<char> list, out SipRejectReason reason)
    {
        var reader = new HeaderParameterReader(list);
        while (!list.IsEmpty && reader.TryRead(out _, out ReadOnlySpan<char> value, out bool hasValue, out _))
        {
            if (!hasValue || !IsMediaParameterValue(value))
            {
                reason = SipRejectReason.MalformedParameter;
                return false;
            }
        }

        reason = default;
        return true;
    }

    // m-value = token / quoted-string
    private static bool IsMediaParameterValue(ReadOnlySpan<char> value) => SipGrammar.IsToken(value) || SipGrammar.IsQuotedString(value);
}
