using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SipDialogs.Auth;
using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// Answering a 401 or 407 to a request of the dialog (RFC 3261 §22.2, §22.3): the request is sent again, once per
/// challenge, with credentials and the next local CSeq; credentials refused a second time end it with that response.
/// </summary>
public sealed partial class Dialog
{
    /// <summary>Challenges answered at most for one request: a stale nonce and a proxy or two on the way (RFC 3261 §22.3).</summary>
    private const int MaxChallengesPerRequest = 4;

    private DigestClient? _digest;

    /// <summary>
    /// Answers a 401 or 407 to a request this end sends in the dialog (re-INVITE, UPDATE, BYE, INFO, REFER and the rest):
    /// the request is sent again with credentials and the next CSeq (RFC 3261 §22.2); a <c>stale=true</c> challenge is
    /// answered with its new nonce; credentials refused a second time end the request with that response. A call placed
    /// with <see cref="InviteOptions.Digest"/> gives its dialogs that client. Null to pass challenges to the caller.
    /// </summary>
    public DigestClient? Digest
    {
        get => Volatile.Read(ref _digest);
        set => Volatile.Write(ref _digest, value);
    }

    /// <summary>
    /// After a 401 or 407 to <paramref name="challenged"/>: the same request again, with credentials, the next local
    /// CSeq and a new branch, in a new transaction owned by <paramref name="owner"/> (RFC 3261 §22.2). False when there is
    /// nothing to answer with, the client refuses (the same credentials challenged again), <paramref name="answered"/>
    /// challenges were answered for this request already (a server that calls every nonce stale), or it cannot be sent.
    /// On the shard.
    /// </summary>
    internal bool TryResendWithCredentials(
        ClientTransaction challenged, SipResponse response, int answered, IClientTransactionOwner? owner, [NotNullWhen(true)] out ClientTransaction? retry)
    {
        retry = null;
        SipRequest request = challenged.Request;
        if (response.StatusCode is not (401 or 407) || _digest is not { } digest || _layer is null
            || request.Method is SipMethods.Ack or SipMethods.Cancel
            || answered >= MaxChallengesPerRequest
            || !digest.TryAnswer(request, response, out DigestAnswer? answer, out _, out _))
        {
            return false;
        }

        _localCSeq = Math.Max(_localCSeq, request.CSeqNumber) + 1;
        Changed(DialogChange.LocalCSeqUsed);
        SipMessageBuilder again = CopyWithCSeq(request, (uint)_localCSeq);
        answer.ApplyTo(again);
        try
        {
            retry = StartRequest(again, owner);
            return true;
        }
        catch (SipTransportException)
        {
            return false;
        }
    }

    /// <summary>
    /// The final response to <paramref name="first"/>, after the challenges <see cref="Digest"/> answers: each answered
    /// challenge sends the request again on the shard and waits for the new one. Any thread.
    /// </summary>
    internal async Task<SipResponse> AnswerChallengesAsync(ClientTransaction first, IClientTransactionOwner? owner, CancellationToken cancellationToken)
    {
        ClientTransaction transaction = first;
        for (int answered = 0; ; answered++)
        {
            SipResponse response = await transaction.FinalResponse.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is not (401 or 407) || Volatile.Read(ref _digest) is null || _shard is not { } shard)
            {
                return response;
            }

            ClientTransaction? retry = await shard.RunAsync(
                static s => s.dialog.TryResendWithCredentials(s.transaction, s.response, s.answered, s.owner, out ClientTransaction? again) ? again : null,
                (dialog: this, transaction, response, answered, owner),
                cancellationToken).ConfigureAwait(false);
            if (retry is null)
            {
                return response;
            }

            transaction = retry;
        }
    }

    /// <summary>
    /// Sends the BYE the stack ends a call with on its own (no ACK came, the session expired or could not be refreshed):
    /// with a <see cref="Digest"/>, a challenge to it is answered as to any BYE of the application (RFC 3261 §22.2), in
    /// the background, since nobody waits for it. On the shard.
    /// </summary>
    private void StartOwnBye()
    {
        ClientTransaction bye = StartBye();
        if (_digest is not null)
        {
            // Faults only when the stack stops meanwhile: nothing is left to end then.
            _ = AnswerChallengesAsync(bye, null, CancellationToken.None)
                .ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>The final response of a request started here, with challenges answered when this dialog has a client.</summary>
    private Task<SipResponse> FinalResponseOf(ClientTransaction transaction, IClientTransactionOwner? owner, CancellationToken cancellationToken) =>
        Volatile.Read(ref _digest) is null
            ? transaction.FinalResponse.WaitAsync(cancellationToken)
            : AnswerChallengesAsync(transaction, owner, cancellationToken);

    /// <summary>
    /// The request as sent, but for its Via (the transaction layer adds a new one, with a new branch) and its CSeq
    /// number: every other header and the body stay as they were, whatever the method.
    /// </summary>
    private static SipMessageBuilder CopyWithCSeq(SipRequest request, uint number)
    {
        SipMessageBuilder copy = SipMessageBuilder.Request(request.Method, request.RequestUriText);
        string? contentType = null;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            switch (request.GetHeaderKind(i))
            {
                case SipHeaderKind.Via:
                case SipHeaderKind.ContentLength:
                    break;
                case SipHeaderKind.ContentType:
                    contentType = System.Text.Encoding.UTF8.GetString(request.GetHeaderValueBytes(i));
                    break;
                case SipHeaderKind.CSeq:
                    copy.Add(SipHeaderKind.CSeq, string.Create(CultureInfo.InvariantCulture, $"{number} {request.Method}"));
                    break;
                default:
                    copy.CopyHeader(request, i);
                    break;
            }
        }

        if (!request.Body.IsEmpty)
        {
            copy.WithBody(contentType ?? "application/octet-stream", request.Body);
        }

        return copy;
    }
}
