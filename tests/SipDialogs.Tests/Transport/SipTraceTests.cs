using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

/// <summary>The SIP message trace an operator turns on: whole messages, credentials never.</summary>
public sealed class SipTraceTests
{
    private const string Secret = "6629fae49393a05397450978507c4ef1";

    private static string Options(string extra) =>
        "OPTIONS sip:service@127.0.0.1 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK" + Guid.NewGuid().ToString("N") + ";rport\r\n" +
        "Max-Forwards: 70\r\nTo: <sip:service@127.0.0.1>\r\nFrom: <sip:test@127.0.0.1>;tag=t1\r\n" +
        "Call-ID: trace-" + Guid.NewGuid().ToString("N") + "\r\nCSeq: 1 OPTIONS\r\n" + extra + "Content-Length: 0\r\n\r\n";

    [Fact]
    public async Task AtTraceLevelEveryMessageInAndOutIsLoggedWholeWithTheCredentialsRedacted()
    {
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        await using var stack = new SipStack(Parties.Options(), loggerFactory: loggers);
        await stack.StartAsync();
        IPEndPoint server = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

        SipResponse ok = await UdpPeer.AskAsync(
            server,
            Options($"Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"abc\",\r\n response=\"{Secret}\"\r\n" +
                $"Proxy-Authorization: Digest username=\"alice\", response=\"{Secret}\"\r\n"),
            CallTests.Timeout);
        Assert.Equal(200, ok.StatusCode);
        await Poll.UntilAsync(() => Traces(collector).Count >= 2, CallTests.Timeout, "the request and its answer are traced");

        List<FakeLogRecord> traces = Traces(collector);
        string received = Assert.Single(traces, r => r.Message.Contains("OPTIONS sip:service@127.0.0.1 SIP/2.0", StringComparison.Ordinal)).Message;
        string sent = Assert.Single(traces, r => r.Message.Contains("SIP/2.0 200 OK", StringComparison.Ordinal)).Message;
        Assert.Contains("Authorization: Digest <redacted>\r\n", received, StringComparison.Ordinal);
        Assert.Contains("Proxy-Authorization: Digest <redacted>\r\n", received, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, received, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", received, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 OPTIONS", received, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 OPTIONS", sent, StringComparison.Ordinal);
        Assert.All(traces, r => Assert.Equal(LogLevel.Trace, r.Level));
    }

    [Fact]
    public async Task BelowTraceLevelNoMessageIsLogged()
    {
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        await using var stack = new SipStack(Parties.Options(), loggerFactory: loggers);
        await stack.StartAsync();
        IPEndPoint server = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

        Assert.Equal(200, (await UdpPeer.AskAsync(server, Options(string.Empty), CallTests.Timeout)).StatusCode);

        Assert.Empty(Traces(collector));
        Assert.Contains(collector.GetSnapshot(), r => r.Level == LogLevel.Debug); // The debug log itself is on.
    }

    [Fact]
    public void AMessageWithoutCredentialsIsLoggedAsItCame()
    {
        string message = Options(string.Empty).Replace("{port}", "5060", StringComparison.Ordinal) + "body";
        Assert.Equal(message, SipTrace.Redacted(Encoding.UTF8.GetBytes(message)));
    }

    [Fact]
    public void AnAuthorizationInTheBodyIsNotAHeaderAndStays()
    {
        string message = Options(string.Empty).Replace("{port}", "5060", StringComparison.Ordinal) + "Authorization: part of a body\r\n";
        Assert.Equal(message, SipTrace.Redacted(Encoding.UTF8.GetBytes(message)));
    }

    private static List<FakeLogRecord> Traces(FakeLogCollector collector)
    {
        var traces = new List<FakeLogRecord>();
        foreach (FakeLogRecord record in collector.GetSnapshot())
        {
            if (record.Category == SipTrace.Category)
            {
                traces.Add(record);
            }
        }

        return traces;
    }
}
