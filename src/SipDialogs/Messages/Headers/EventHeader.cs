using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The value of an Event header field (RFC 6665 §8.2.1): the event package a SUBSCRIBE, NOTIFY or REFER-created
/// subscription is about, e.g. <c>refer</c> (RFC 3515 §2.4.6), and the <c>id</c> that tells apart several
/// subscriptions to it within one dialog.
/// </summary>
public sealed class EventHeader
{
    /// <summary>The event package of the implicit subscription a REFER creates (RFC 3515 §2.4.6).</summary>
    public const string ReferPackage = "refer";

    /// <summary>Creates an Event value.</summary>
    /// <param name="package">The event type, e.g. "refer" or "presence.winfo": <c>token-nodot</c>s joined by '.'.</param>
    /// <param name="id">The id parameter (a <c>token</c>), or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">A value does not follow the grammar.</exception>
    public EventHeader(string package, string? id = null)
        : this(package, new SipParameters())
    {
        if (id is not null)
        {
            if (!SipGrammar.IsToken(id))
            {
                throw new ArgumentException("The id must be a token (RFC 6665 §8.4).", nameof(id));
            }

            Parameters.Set("id", id);
        }
    }

    private EventHeader(string package, SipParameters parameters)
    {
        if (!IsEventType(package))
        {
            throw new ArgumentException("The event type must be token-nodot *(\".\" token-nodot) (RFC 6665 §8.4).", nameof(package));
        }

        Package = package;
        Parameters = parameters;
    }

    /// <summary>
    /// The event type as written: the package and any templates, e.g. "refer" or "presence.winfo"
    /// (RFC 6665 §8.4 <c>event-type</c>). Compared byte by byte (RFC 6665 §8.2.1).
    /// </summary>
    public string Package { get; }

    /// <summary>The id parameter, or <see langword="null"/> when absent; compared byte by byte (RFC 6665 §8.2.1).</summary>
    public string? Id => Parameters["id"];

    /// <summary>Every parameter in the order written, values as written.</summary>
    public SipParameters Parameters { get; }

    /// <summary>
    /// Whether this and <paramref name="other"/> name the same subscription (RFC 6665 §8.2.1): the same event
    /// type and the same id, or neither has an id. Other parameters do not count.
    /// </summary>
    /// <param name="other">The Event value to compare with.</param>
    /// <returns>Whether they match.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    public bool Matches(EventHeader other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Package, other.Package, StringComparison.Ordinal) &&
            string.Equals(Id, other.Id, StringComparison.Ordinal);
    }

    /// <summary>
    /// Parses an Event header field value (RFC 6665 §8.4): <c>event-type *( SEMI event-param )</c>, where
    /// <c>event-type = event-package *( "." event-template )</c> and the <c>id</c> parameter is a token.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> for a bad event type;
    /// <see cref="SipRejectReason.MalformedParameter"/> for a bad id or parameter.
    /// </param>
    /// <returns>Whether the value is a valid Event value.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out EventHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int end = value.IndexOfAny("; \t");
        ReadOnlySpan<char> type = end < 0 ? value : value[..end];
        if (!IsEventType(type))
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        if (!SipGrammar.TryParseHeaderParameters(value[type.Length..], out SipParameters? parameters, out reason) ||
            !SipGrammar.IsValidTokenParameter(parameters, "id", out reason))
        {
            return false;
        }

        string package = type.SequenceEqual(ReferPackage) ? ReferPackage : type.ToString();
        result = new EventHeader(package, parameters);
        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>refer;id=93809824</c>.</summary>
    /// <returns>The event type and its parameters with no optional white space.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(Package.Length + 16);
        builder.Append(Package);
        Parameters.AppendTo(builder, ';');
        return builder.ToString();
    }

    private static bool IsEventType(ReadOnlySpan<char> type)
    {
        if (type.IsEmpty)
        {
            return false;
        }

        foreach (Range part in type.Split('.'))
        {
            if (!SipGrammar.IsTokenNoDot(type[part]))
            {
                return false;
            }
        }

        return true;
    }
}
