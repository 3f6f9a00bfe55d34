namespace SipDialogs.Auth;

/// <summary>The result of checking a request's credentials.</summary>
/// <param name="Outcome">What to do.</param>
/// <param name="Username">The authenticated user, for <see cref="DigestOutcome.Authenticated"/>.</param>
/// <param name="Challenges">
/// For <see cref="DigestOutcome.Challenge"/>, the WWW-Authenticate (or Proxy-Authenticate) values to send, one row each.
/// </param>
/// <param name="Reason">Why the credentials were not accepted, when they were there; <see cref="DigestRejectReason.None"/> otherwise.</param>
/// <param name="Failure">Which check failed, for logs and metrics; never the secret.</param>
public readonly record struct DigestVerdict(
    DigestOutcome Outcome,
    string? Username,
    IReadOnlyList<string> Challenges,
    DigestRejectReason Reason,
    DigestFailure Failure);
