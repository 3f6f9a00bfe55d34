using System.Security.Cryptography;
using System.Text;
using SipDialogs.Auth;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Server;

/// <summary>
/// <c>serve --auth-file --auth-realm</c> challenging real callers (RFC 3261 §22.2): SIPp's <c>[authentication]</c>
/// keyword gets calls through with the right password; a wrong one gets 401 again and, repeated from one address, 403,
/// counted on <c>/metrics</c>; a method configured with <c>--auth-methods</c> is challenged and a replayed
/// Authorization refused; nothing secret reaches the log, even at trace level.
/// </summary>
public sealed class ServeAuthTests : IDisposable
{
    private const string Realm = "example.test";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly string _secrets = Path.Combine(Path.GetTempPath(), "sipdialogs-auth-" + Guid.NewGuid().ToString("N") + ".txt");

    public ServeAuthTests() => File.WriteAllText(_secrets, $"# user realm secret\nalice {Realm} plain:wonderland\n");

    [Fact]
    public async Task SippCallsGetThroughServesChallengeWithTheRightPasswordAndNoSecretIsLogged()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(
            "--listen", "udp:127.0.0.1:0", "--auth-file", _secrets, "--auth-realm", Realm, "--auth-algorithms", "MD5", "--log-level", "trace");

        SippResult run = await Sipp.RunAsync("tests/sipp/uac-auth.xml", server.Udp!, calls: 5, rate: 20, s_timeout, extra: Authentication(server, "wonderland"));

        Assert.True(run.ExitCode == 0, $"SIPp exit {run.ExitCode}:\n{run.Output}");
        string log = server.Process.Output;
        Assert.Contains("Authorization: Digest <redacted>", log, StringComparison.Ordinal);
        Assert.DoesNotContain("wonderland", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Md5Hex($"alice:{Realm}:wonderland"), log, StringComparison.OrdinalIgnoreCase); // HA1
        Assert.DoesNotContain("response=", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongPasswordIsChallengedAgainAndRepeatedFailuresFromOneAddressGet403Counted()
    {
        string config = Path.Combine(Path.GetTempPath(), "sipdialogs-auth-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(config, """{ "SipDialogs": { "Auth": { "MaxFailures": 3 } } }""");
        try
        {
            await using ServerProcess server = await ServerProcess.StartAsync(
                "--listen", "udp:127.0.0.1:0", "--auth-file", _secrets, "--auth-realm", Realm, "--auth-algorithms", "MD5",
                "--config", config, "--management", "http://127.0.0.1:0");

            SippResult run = await Sipp.RunAsync("tests/sipp/uac-auth.xml", server.Udp!, calls: 5, rate: 20, TimeSpan.FromSeconds(15), extra: Authentication(server, "guess"));

            Assert.NotEqual(0, run.ExitCode);
            using var http = new HttpClient { BaseAddress = server.Management };
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.True(PrometheusText.Sum(metrics, "sipdialogs_auth_verdicts_total", "outcome=\"forbidden\"") >= 1, metrics);
            Assert.True(PrometheusText.Sum(metrics, "sipdialogs_auth_verdicts_total", "error_type=\"WrongResponse\"") >= 2, metrics);
            Assert.Null(PrometheusText.Sum(metrics, "sipdialogs_auth_verdicts_total", "outcome=\"authenticated\""));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task AConfiguredMethodIsChallengedAndAReplayedAuthorizationIsRefused()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(
            "--listen", "udp:127.0.0.1:0", "--auth-file", _secrets, "--auth-realm", Realm, "--auth-methods", "INVITE,OPTIONS");

        SipResponse challenge = await UdpPeer.AskAsync(server.Udp!, Options(authorization: null), s_timeout);
        Assert.Equal(401, challenge.StatusCode);
        Assert.Equal(2, challenge.WwwAuthenticate.Count); // SHA-256, then MD5 (RFC 8760 §2.4: the preferred first).

        var credentials = new SipCredentialTable { Default = new SipCredential("alice", "wonderland") };
        SipRequest bare = (SipRequest)SipMessageParser.Parse(Options(authorization: null).Replace("{port}", "5060", StringComparison.Ordinal));
        Assert.True(new DigestClient(credentials).TryAnswer(bare, challenge, out DigestAnswer? answer, out _, out _));
        string authorization = Assert.Single(answer.Values);

        Assert.Equal(200, (await UdpPeer.AskAsync(server.Udp!, Options(authorization), s_timeout)).StatusCode);
        SipResponse replayed = await UdpPeer.AskAsync(server.Udp!, Options(authorization), s_timeout); // Same nonce, same nc.
        Assert.Equal(401, replayed.StatusCode);
    }

    [Fact]
    public async Task AReferOutsideADialogIsChallengedBeforeTheStackTakesIt()
    {
        // The stack itself is the notifier of a REFER outside a dialog (RFC 3515 §4.1): the gate must come before it.
        await using ServerProcess server = await ServerProcess.StartAsync(
            "--listen", "udp:127.0.0.1:0", "--auth-file", _secrets, "--auth-realm", Realm, "--auth-methods", "INVITE,REFER", "--auth-algorithms", "MD5");

        SipResponse challenge = await UdpPeer.AskAsync(server.Udp!, Refer(authorization: null), s_timeout);
        Assert.Equal(401, challenge.StatusCode);
        SipResponse refused = await UdpPeer.AskAsync(server.Udp!, Refer(AnswerTo(challenge, "guess")), s_timeout);
        Assert.Equal(401, refused.StatusCode);

        // Through the gate, the stack's notifier takes it: serve is a transferee (202, RFC 3515 §2.4.2).
        SipResponse answered = await UdpPeer.AskAsync(server.Udp!, Refer(AnswerTo(refused, "wonderland")), s_timeout);
        Assert.Equal(202, answered.StatusCode);

        static string AnswerTo(SipResponse challenge, string password)
        {
            var credentials = new SipCredentialTable { Default = new SipCredential("alice", password) };
            SipRequest bare = (SipRequest)SipMessageParser.Parse(Refer(authorization: null).Replace("{port}", "5060", StringComparison.Ordinal));
            Assert.True(new DigestClient(credentials).TryAnswer(bare, challenge, out DigestAnswer? answer, out _, out _));
            return Assert.Single(answer.Values);
        }
    }

    [Fact]
    public async Task MalformedCredentialsGet400SayingWhatIsWrongWhileSippCallsGoOn()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(
            "--listen", "udp:127.0.0.1:0", "--auth-file", _secrets, "--auth-realm", Realm, "--auth-methods", "INVITE,OPTIONS", "--auth-algorithms", "MD5");
        Task<SippResult> sipp = Sipp.RunAsync("tests/sipp/uac-auth.xml", server.Udp!, calls: 10, rate: 10, s_timeout, extra: Authentication(server, "wonderland"));
        const string Fields = "username=\"alice\", nonce=\"n\", uri=\"sip:service@127.0.0.1\", response=\"0123456789abcdef0123456789abcdef\"";

        SipResponse unknown = await UdpPeer.AskAsync(server.Udp!, Options($"Digest realm=\"{Realm}\", {Fields}, algorithm=MD4"), s_timeout);
        SipResponse quoting = await UdpPeer.AskAsync(server.Udp!, Options($"Digest realm=\"{Realm}\", {Fields}, cnonce=\"c"), s_timeout);
        SipResponse noRealm = await UdpPeer.AskAsync(server.Udp!, Options($"Digest {Fields}"), s_timeout);

        Assert.Equal((400, "Unknown Digest Algorithm"), (unknown.StatusCode, unknown.ReasonPhrase));
        Assert.Equal((400, "Bad Quoting In Credentials"), (quoting.StatusCode, quoting.ReasonPhrase));
        Assert.Equal(401, noRealm.StatusCode); // No credentials for this realm (RFC 3261 §22.4): challenged.
        SippResult run = await sipp;
        Assert.True(run.ExitCode == 0, $"SIPp exit {run.ExitCode}:\n{run.Output}");
    }

    public void Dispose() => File.Delete(_secrets);

    private static string[] Authentication(ServerProcess server, string password) =>
        ["-au", "alice", "-ap", password, "-auth_uri", "service@" + server.Udp!.ToString()]; // SIPp writes the "sip:" itself.

    /// <summary>An OPTIONS outside any dialog, new each time (Call-ID, branch), with the Authorization given.</summary>
    private static string Options(string? authorization) =>
        "OPTIONS sip:service@127.0.0.1 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK" + Guid.NewGuid().ToString("N") + ";rport\r\n" +
        "Max-Forwards: 70\r\nTo: <sip:service@127.0.0.1>\r\nFrom: <sip:alice@127.0.0.1>;tag=t1\r\n" +
        "Call-ID: " + Guid.NewGuid().ToString("N") + "\r\nCSeq: 1 OPTIONS\r\n" +
        (authorization is null ? string.Empty : "Authorization: " + authorization + "\r\n") +
        "Content-Length: 0\r\n\r\n";

/// <summary>A REFER outside any dialog, new each time (Call-ID, branch), with the Authorization given.</summary>
    private static string Refer(string? authorization) =>
        "REFER sip:service@127.0.0.1 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK" + Guid.NewGuid().ToString("N") + ";rport\r\n" +
        "Max-Forwards: 70\r\nTo: <sip:service@127.0.0.1>\r\nFrom: <sip:alice@127.0.0.1>;tag=t1\r\n" +
        "Call-ID: " + Guid.NewGuid().ToString("N") + "\r\nCSeq: 1 REFER\r\nContact: <sip:alice@127.0.0.1:{port}>\r\n" +
        "Refer-To: <sip:carol@127.0.0.1:9>\r\n" +
        (authorization is null ? string.Empty : "Authorization: " + authorization + "\r\n") +
        "Content-Length: 0\r\n\r\n";

#pragma warning disable CA5351 // MD5 is what RFC 2617's HA1 is: the test looks for it in the log.
    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
