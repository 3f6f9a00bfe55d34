using SipDialogs.Auth;
using SipDialogs.Hosting;

namespace SipDialogs.Server;

/// <summary>
/// Puts a <see cref="DigestGate"/> before a request handler: a request the gate guards reaches the handler only with
/// right credentials (RFC 3261 §22.2); the gate answers the others 401, 403 or 400. Everything else, and every CANCEL,
/// goes straight to the handler. The secret file answers at once, so the order of a shard's requests is kept.
/// </summary>
internal sealed class ChallengingRequestHandler(DigestGate gate, ISipRequestHandler inner) : ISipRequestHandler
{
    public void OnRequest(SipServerRequest request)
    {
        if (!gate.Guards(request.Request))
        {
            inner.OnRequest(request);
            return;
        }

        ValueTask<DigestVerdict> verdict = gate.AuthorizeAsync(request);
        if (verdict.IsCompletedSuccessfully)
        {
            if (verdict.Result.Outcome == DigestOutcome.Authenticated)
            {
                inner.OnRequest(request);
            }

            return;
        }

        _ = PassOnAsync(verdict, request);
    }

    public void OnCancel(SipServerRequest invite) => inner.OnCancel(invite);

    /// <summary>A secret store that answered later: the request goes on then, or is answered 500 if the store failed.</summary>
    private async Task PassOnAsync(ValueTask<DigestVerdict> pending, SipServerRequest request)
    {
        try
        {
            if ((await pending.ConfigureAwait(false)).Outcome == DigestOutcome.Authenticated)
            {
                inner.OnRequest(request);
            }
        }
#pragma warning disable CA1031 // As the stack does for a handler: answered, never thrown into the pool.
        catch (Exception)
#pragma warning restore CA1031
        {
            if (!request.HasFinalResponse)
            {
                request.Respond(500);
            }
        }
    }
}
