namespace SipDialogs.Messages;

/// <summary>
/// One <c>auth-param</c> of a challenge or credentials (RFC 3261 §25.1, RFC 7235 §2.1): <c>name=value</c>, where
/// the value is a <c>token</c> or a <c>quoted-string</c>.
/// </summary>
/// <param name="Name">The parameter name, compared ignoring case (RFC 7235 §2.1).</param>
/// <param name="Value">The value as the application sees it: a quoted string without its quotes and escapes.</param>
/// <param name="IsQuoted">
/// Whether the value is written as a quoted string. Digest fixes this per parameter (RFC 7616 §3.3–§3.5):
/// e.g. <c>realm</c>, <c>nonce</c> and <c>response</c> are quoted, <c>algorithm</c>, <c>stale</c> and <c>nc</c> are not.
/// </param>
public readonly record struct AuthParameter(string Name, string Value, bool IsQuoted);
