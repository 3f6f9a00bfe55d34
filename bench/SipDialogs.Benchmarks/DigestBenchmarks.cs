using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using SipDialogs.Auth;
using SipDialogs.Messages;

namespace SipDialogs.Benchmarks;

/// <summary>
/// What Digest costs a request on one core: the server's challenge of a request without credentials (baseline), and
/// the round that follows: the client's answer, the retried INVITE parsed, and the server's verification (nonce MAC,
/// HA1 lookup, response digest, replay table). The captured INVITE carries the credentials as a real retry would.
/// </summary>
[MemoryDiagnoser]
public class DigestBenchmarks
{
    private const string Realm = "pbx.example.com";

    private static readonly IPAddress s_source = IPAddress.Parse("198.51.100.17");

    private string _invite = string.Empty;
    private int _afterRequestLine;
    private SipRequest _request = null!;
    private DigestAuthenticator _server = null!;
    private DigestClient _client = null!;
    private SipResponse _challenge = null!;

    /// <summary>The algorithm the server offers.</summary>
    [Params(DigestAlgorithm.Md5, DigestAlgorithm.Sha256, DigestAlgorithm.Sha512Slash256)]
    public DigestAlgorithm Algorithm { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _invite = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "invite.sip"));
        _afterRequestLine = _invite.IndexOf("\r\n", StringComparison.Ordinal) + 2;
        _request = (SipRequest)SipMessageParser.Parse(_invite);
        if (!DigestSecretFile.TryParse($"alice {Realm} plain:wonderland\n", out DigestSecretFile? secrets, out string? error))
        {
            throw new InvalidOperationException(error);
        }

        var options = new DigestServerOptions { Realm = Realm, MaxFailures = int.MaxValue };
        options.Algorithms.Clear();
        options.Algorithms.Add(Algorithm);
        _server = new DigestAuthenticator(options, secrets);
        var credentials = new SipCredentialTable();
        credentials.SetForRealm(Realm, new SipCredential("alice", "wonderland"));
        _client = new DigestClient(credentials);

        // One challenge answered many times: each answer has the next nonce count, so none is a replay.
        var response = new StringBuilder("SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 198.51.100.17:5060;branch=z9hG4bK-1\r\n")
            .Append("From: <sip:alice@pbx.example.com>;tag=1\r\nTo: <sip:bob@pbx.example.com>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n");
        foreach (string value in _server.CreateChallenges())
        {
            response.Append("WWW-Authenticate: ").Append(value).Append("\r\n");
        }

        _challenge = (SipResponse)SipMessageParser.Parse(response.Append("Content-Length: 0\r\n\r\n").ToString());
        if (await AnswerAndVerify() != DigestOutcome.Authenticated)
        {
            throw new InvalidOperationException("The benchmark's answer is not accepted.");
        }
    }

    /// <summary>The server challenges an INVITE without credentials: a signed nonce and the 401's header value.</summary>
    [Benchmark(Baseline = true)]
    public async Task<DigestOutcome> Challenge() => (await _server.AuthenticateAsync(_request, s_source)).Outcome;

    /// <summary>The client answers, the retried INVITE is parsed, and the server verifies it.</summary>
    [Benchmark]
    public async Task<DigestOutcome> AnswerAndVerify()
    {
        if (!_client.TryAnswer(_request, _challenge, out DigestAnswer? answer, out DigestAnswerFailure failure, out _))
        {
            throw new InvalidOperationException(failure.ToString());
        }

        string retried = string.Concat(_invite.AsSpan(0, _afterRequestLine), "Authorization: " + answer.Values[0] + "\r\n", _invite.AsSpan(_afterRequestLine));
        var request = (SipRequest)SipMessageParser.Parse(retried);
        return (await _server.AuthenticateAsync(request, s_source)).Outcome;
    }
}
