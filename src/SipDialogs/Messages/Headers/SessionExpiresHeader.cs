using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a Session-Expires header field (RFC 4028 §4): the session interval of a session timer in
/// seconds, and which side refreshes the session.
/// </summary>
/// <remarks>The Min-SE header field (RFC 4028 §5) is a bare number: see <see cref="SipNumbers.TryParseMinSE"/>.</remarks>
public sealed class SessionExpiresHeader
{
    /// <summary>The refresher value that makes the UAC refresh the session (RFC 4028 §4).</summary>
    public const string Uac = "uac";

    /// <summary>The refresher value that makes the UAS refresh the session (RFC 4028 §4).</summary>
    public const string Uas = "uas";

    /// <summary>Creates a Session-Expires value.</summary>
    /// <param name="deltaSeconds">The session interval in seconds.</param>
    /// <param name="refresher"><see cref="Uac"/>, <see cref="Uas"/>, or <see langword="null"/> to leave the choice open.</param>
    /// <exception cref="ArgumentException"><paramref name="refresher"/> is neither "uac" nor "uas".</exception>
    public SessionExpiresHeader(uint deltaSeconds, string? refresher = null)
        : this(deltaSeconds, new SipParameters())
    {
        if (refresher is not null)
        {
            Parameters.Set("refresher", NormalizeRefresher(refresher) ??
                throw new ArgumentException("The refresher must be \"uac\" or \"uas\" (RFC 4028 §4).", nameof(refresher)));
        }
    }

    private SessionExpiresHeader(uint deltaSeconds, SipParameters parameters)
    {
        DeltaSeconds = deltaSeconds;
        Parameters = parameters;
    }

    /// <summary>The session interval in seconds (RFC 4028 §4).</summary>
    public uint DeltaSeconds { get; }

    /// <summary>
    /// Who refreshes the session: <see cref="Uac"/> or <see cref="Uas"/> (lower-case whatever was written), or
    /// <see langword="null"/> when the parameter is absent.
    /// </summary>
    public string? Refresher => NormalizeRefresher(Parameters["refresher"]);

    /// <summary>Every parameter in the order written, values as written.</summary>
    public SipParameters Parameters { get; }

    /// <summary>
    /// Parses a Session-Expires header field value (RFC 4028 §4): <c>delta-seconds *(SEMI se-params)</c>, where
    /// <c>refresher</c> is "uac" or "uas".
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> for an interval above 2^32-1;
    /// <see cref="SipRejectReason.MalformedHeader"/> for a malformed interval;
    /// <see cref="SipRejectReason.MalformedParameter"/> for a bad refresher or other parameter.
    /// </param>
    /// <returns>Whether the value is a valid Session-Expires.</returns>
    public static bool TryParse(
        ReadOnlySpan<char> value, [NotNullWhen(true)] out SessionExpiresHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int end = value.IndexOfAny("; \t");
        ReadOnlySpan<char> digits = end < 0 ? value : value[..end];
        if (!SipGrammar.TryParseDeltaSeconds(digits, SipRejectReason.MalformedHeader, out uint seconds, out reason) ||
            !SipGrammar.TryParseHeaderParameters(value[digits.Length..], out SipParameters? parameters, out reason))
        {
            return false;
        }

        if (parameters.TryGetValue("refresher", out string? refresher) && NormalizeRefresher(refresher) is null)
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        result = new SessionExpiresHeader(seconds, parameters);
        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>4000;refresher=uac</c>.</summary>
    /// <returns>The interval and its parameters with no optional white space.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(24);
        builder.Append(DeltaSeconds.ToString(CultureInfo.InvariantCulture));
        Parameters.AppendTo(builder, ';');
        return builder.ToString();
    }

    private static string? NormalizeRefresher(string? refresher)
    {
        if (Uac.Equals(refresher, StringComparison.OrdinalIgnoreCase))
        {
            return Uac;
        }

        return Uas.Equals(refresher, StringComparison.OrdinalIgnoreCase) ? Uas : null;
    }
}
