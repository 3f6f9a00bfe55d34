using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a Subscription-State header field (RFC 6665 §8.2.3), carried by every NOTIFY: the state of the
/// subscription and, depending on it, when it expires, why it ended and when to retry.
/// </summary>
public sealed class SubscriptionStateHeader
{
    /// <summary>The subscription has been accepted (RFC 6665 §4.1.3).</summary>
    public const string Active = "active";

    /// <summary>The subscription has been received but not yet authorized (RFC 6665 §4.1.3).</summary>
    public const string Pending = "pending";

    /// <summary>The subscription has ended (RFC 6665 §4.1.3).</summary>
    public const string Terminated = "terminated";

    /// <summary>Creates a Subscription-State value.</summary>
    /// <param name="state">The state: <see cref="Active"/>, <see cref="Pending"/>, <see cref="Terminated"/> or another token.</param>
    /// <param name="reason">The reason parameter (a token such as "noresource" or "timeout"), or <see langword="null"/>.</param>
    /// <param name="expires">The expires parameter in seconds, or <see langword="null"/>.</param>
    /// <param name="retryAfter">The retry-after parameter in seconds, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A value does not follow the grammar.</exception>
    public SubscriptionStateHeader(string state, string? reason = null, uint? expires = null, uint? retryAfter = null)
        : this(state, new SipParameters())
    {
        if (reason is not null)
        {
            if (!SipGrammar.IsToken(reason))
            {
                throw new ArgumentException("The reason must be a token (RFC 6665 §8.4).", nameof(reason));
            }

            Parameters.Set("reason", reason);
        }

        if (expires is uint seconds)
        {
            Parameters.Set("expires", seconds.ToString(CultureInfo.InvariantCulture));
        }

        if (retryAfter is uint retry)
        {
            Parameters.Set("retry-after", retry.ToString(CultureInfo.InvariantCulture));
        }
    }

    private SubscriptionStateHeader(string state, SipParameters parameters)
    {
        if (!SipGrammar.IsToken(state))
        {
            throw new ArgumentException("The state must be a token (RFC 6665 §8.4).", nameof(state));
        }

        State = state;
        Parameters = parameters;
    }

    /// <summary>The state as written (RFC 6665 §8.4 <c>substate-value</c>); compare it ignoring case, or use the <c>Is…</c> properties.</summary>
    public string State { get; }

    /// <summary>Whether <see cref="State"/> is <see cref="Active"/>, ignoring case.</summary>
    public bool IsActive => State.Equals(Active, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <see cref="State"/> is <see cref="Pending"/>, ignoring case.</summary>
    public bool IsPending => State.Equals(Pending, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <see cref="State"/> is <see cref="Terminated"/>, ignoring case.</summary>
    public bool IsTerminated => State.Equals(Terminated, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The reason parameter, e.g. "noresource", "timeout", "rejected" or "deactivated" (RFC 6665 §4.1.3), or
    /// <see langword="null"/>.
    /// </summary>
    public string? Reason => Parameters["reason"];

    /// <summary>The expires parameter: seconds left in the subscription (RFC 6665 §4.1.3), or <see langword="null"/>.</summary>
    public uint? Expires => SipGrammar.GetDeltaSecondsParameter(Parameters, "expires");

    /// <summary>The retry-after parameter: seconds before trying again (RFC 6665 §4.1.3), or <see langword="null"/>.</summary>
    public uint? RetryAfter => SipGrammar.GetDeltaSecondsParameter(Parameters, "retry-after");

    /// <summary>Every parameter in the order written, values as written.</summary>
    public SipParameters Parameters { get; }

    /// <summary>
    /// Parses a Subscription-State header field value (RFC 6665 §8.4): <c>substate-value *( SEMI subexp-params )</c>,
    /// where <c>reason</c> is a token and <c>expires</c> and <c>retry-after</c> are <c>delta-seconds</c>.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> for a bad state; <see cref="SipRejectReason.ValueOutOfRange"/>
    /// for an expires or retry-after above 2^32-1; <see cref="SipRejectReason.MalformedParameter"/> for another bad parameter.
    /// </param>
    /// <returns>Whether the value is a valid Subscription-State.</returns>
    public static bool TryParse(
        ReadOnlySpan<char> value, [NotNullWhen(true)] out SubscriptionStateHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int end = SipGrammar.ReadToken(value, 0);
        if (end == 0)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        if (!SipGrammar.TryParseHeaderParameters(value[end..], out SipParameters? parameters, out reason) ||
            !SipGrammar.IsValidTokenParameter(parameters, "reason", out reason) ||
            !SipGrammar.TryGetDeltaSecondsParameter(parameters, "expires", out _, out reason) ||
            !SipGrammar.TryGetDeltaSecondsParameter(parameters, "retry-after", out _, out reason))
        {
            return false;
        }

        result = new SubscriptionStateHeader(InternState(value[..end]), parameters);
        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>terminated;reason=noresource</c>.</summary>
    /// <returns>The state and its parameters with no optional white space.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(State.Length + 24);
        builder.Append(State);
        Parameters.AppendTo(builder, ';');
        return builder.ToString();
    }

    private static string InternState(ReadOnlySpan<char> state) => state switch
    {
        Active => Active,
        Pending => Pending,
        Terminated => Terminated,
        _ => state.ToString(),
    };
}
