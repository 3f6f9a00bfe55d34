using SipDialogs.Auth;
using SipDialogs.Messages;

namespace SipDialogs.Hosting;

/// <summary>
/// Challenges requests outside dialogs before the application takes them (RFC 3261 §22.1, §22.2): for the methods it
/// guards (INVITE by default; OPTIONS, SUBSCRIBE, MESSAGE and others when configured), a request without right
/// credentials is answered 401 with fresh challenges (<c>stale=true</c> for an expired nonce), 403 once its source has
/// failed too often, 400 for malformed credentials; a replayed nonce count is refused. Set as <see cref="SipStack.Gate"/>
/// it guards every such request before the stack or its handler takes it (REFER outside a dialog included); a handler
/// may also call <see cref="AuthorizeAsync"/> itself as the first step of a request it guards.
/// Outcomes are counted on the meter <c>SipDialogs</c>; nothing it does logs a credential. Thread-safe.
/// </summary>
public sealed class DigestGate
{
    private readonly string[] _methods;

    /// <summary>Makes the gate.</summary>
    /// <param name="authenticator">Verifies the credentials, for one realm.</param>
    /// <param name="methods">The methods challenged outside dialogs, e.g. INVITE; requests inside dialogs are never challenged here.</param>
    public DigestGate(DigestAuthenticator authenticator, IEnumerable<string> methods)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        ArgumentNullException.ThrowIfNull(methods);
        Authenticator = authenticator;
        _methods = [.. methods];
    }

    /// <summary>The authenticator the gate asks.</summary>
    public DigestAuthenticator Authenticator { get; }

    /// <summary>The methods challenged outside dialogs.</summary>
    public IReadOnlyList<string> Methods => _methods;

    /// <summary>Whether the gate guards <paramref name="request"/>: one of <see cref="Methods"/>, outside any dialog (no To tag).</summary>
    /// <param name="request">The request.</param>
    /// <returns>True when <see cref="AuthorizeAsync"/> must pass it first.</returns>
    public bool Guards(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ToTag.IsEmpty && Array.IndexOf(_methods, request.Method) >= 0;
    }

    /// <summary>
    /// Checks the request's credentials and, unless they are right, answers it: 401 with the challenges, 403 or 400
    /// (see <see cref="DigestOutcome"/>). The caller goes on with the request only for <see cref="DigestOutcome.Authenticated"/>.
    /// </summary>
    /// <param name="request">The request, not answered yet.</param>
    /// <param name="cancellationToken">Ends the wait for the secret store.</param>
    /// <returns>The verdict; <see cref="DigestVerdict.Username"/> names the user when authenticated.</returns>
    public async ValueTask<DigestVerdict> AuthorizeAsync(SipServerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        DigestVerdict verdict = await Authenticator
            .AuthenticateAsync(request.Request, request.Remote.Address.Address, asProxy: false, cancellationToken).ConfigureAwait(false);
        request.Stack?.Metrics?.DigestVerdict(verdict.Outcome, verdict.Failure);
        switch (verdict.Outcome)
        {
            case DigestOutcome.Challenge:
                SipMessageBuilder challenge = request.CreateResponse(401);
                foreach (string value in verdict.Challenges)
                {
                    challenge.Add(SipHeaderKind.WwwAuthenticate, value);
                }

                request.Respond(challenge);
                break;
            case DigestOutcome.Forbidden:
                request.Respond(403);
                break;
            case DigestOutcome.BadRequest:
                request.Respond(400, BadCredentialsPhrase(verdict.Reason));
                break;
        }

        return verdict;
    }

    /// <summary>The reason phrase of the 400 for malformed credentials: what was wrong, so that the sender can tell.</summary>
    private static string BadCredentialsPhrase(DigestRejectReason reason) => reason switch
    {
        DigestRejectReason.BadQuoting => "Bad Quoting In Credentials",
        DigestRejectReason.MissingRealm => "Missing Realm In Credentials",
        DigestRejectReason.MissingNonce => "Missing Nonce In Credentials",
        DigestRejectReason.MissingUsername => "Missing Username In Credentials",
        DigestRejectReason.MissingUri => "Missing Uri In Credentials",
        DigestRejectReason.UnknownAlgorithm => "Unknown Digest Algorithm",
        DigestRejectReason.UnsupportedQop => "Unsupported Qop In Credentials",
        DigestRejectReason.BadResponse => "Bad Response In Credentials",
        DigestRejectReason.BadNonceCount => "Bad Nonce Count In Credentials",
        _ => "Malformed Credentials",
    };
}
