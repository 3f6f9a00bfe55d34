using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using SipDialogs.Auth;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// <c>sipdialogs call</c>: drives the stack as a UAC. Places calls to one target at a rate, holds each answered call,
/// ends it with BYE, and prints one summary line on stdout (logs go to stderr). Exit code 0 when every call was
/// answered and ended, 1 otherwise, 2 for a bad argument or configuration, 3 when it cannot listen.
/// </summary>
internal static class CallCommand
{
    /// <summary>Exit code of a run where every call was answered and ended.</summary>
    public const int AllCallsCompleted = 0;

    /// <summary>Exit code of a run where a call failed, was cancelled or did not end cleanly.</summary>
    public const int SomeCallsFailed = 1;

    /// <summary>Where call listens when no --listen is given.</summary>
    private static readonly string[] DefaultListen = ["udp:127.0.0.1:0"];

    public static Command Build()
    {
        var target = new Argument<string>("target-uri") { Description = "The SIP URI to call, e.g. sip:service@127.0.0.1:5060 or sip:service@example.com (located by DNS, RFC 3263)." };
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = "Where to listen, repeatable: udp:127.0.0.1:0, tcp:[::1]:5070 (port 0 = any free port). Default: udp:127.0.0.1:0.",
            AllowMultipleArgumentsPerToken = true,
        };
        var calls = new Option<long?>("--calls", "-n") { Description = "How many calls to place (default 1; not with --duration)." };
        Option<double> rate = CommandOptions.Number("--rate", "Calls started per second, on a schedule.", 1, "-r");
        Option<double?> duration = CommandOptions.Seconds("--duration", "Keep placing calls at --rate for this many seconds (instead of --calls).");
        Option<double> hold = CommandOptions.Number("--hold", "Seconds between the answer and the BYE.", 0);
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Calls in progress at most; later calls wait.", DefaultValueFactory = _ => 10_000 };
        Option<FileInfo> sdp = CommandOptions.ExistingFile("--sdp", "A file with the SDP offer (default: one PCMU audio stream).");
        var from = new Option<string?>("--from") { Description = "The From address, e.g. \"Alice\" <sip:alice@127.0.0.1> (default: the stack's own address)." };
        var nextHop = new Option<string?>("--next-hop") { Description = "Send every INVITE to this outbound proxy: udp:127.0.0.1:5070, or udp:proxy.example.com:5070 (located by DNS)." };
        var dns = new Option<string[]>("--dns")
        {
            Description = "DNS servers for names in the target or --next-hop (RFC 3263), e.g. 127.0.0.1:5353 (default: the system's).",
            AllowMultipleArgumentsPerToken = true,
        };
        Option<double> timeout = CommandOptions.Number("--timeout", "Seconds a call may go unanswered before it is cancelled.", 32);
        Option<string> logFormat = CommandOptions.LogFormat("Log output (on stderr): text or json (structured, one object per line).");
        Option<string> logLevel = CommandOptions.LogLevel();
        var shards = new Option<int?>("--shards") { Description = "Number of shards (default: 2 per core)." };
        var user = new Option<string?>("--user") { Description = "Answer 401/407 challenges (Digest: MD5, SHA-256, SHA-512-256) as this user, of any realm." };
        var password = new Option<string?>("--password") { Description = "The password for --user (or --password-file; never logged)." };
        Option<FileInfo> passwordFile = CommandOptions.ExistingFile("--password-file", "A file whose first line is the password for --user.");

        var call = new Command("call", "Place calls to a SIP URI as a UAC, hang them up, and print a summary; exit 0 when every call was answered and ended.")
        {
            target, listen, calls, rate, duration, hold, maxConcurrent, sdp, from, nextHop, timeout, logFormat, logLevel, shards,
            user, password, passwordFile, dns,
        };
        call.SetAction((parse, cancellationToken) => RunAsync(
            new CallArguments(
                parse.GetValue(target) ?? string.Empty,
                parse.GetValue(listen) ?? [],
                parse.GetValue(calls),
                parse.GetValue(rate),
                parse.GetValue(duration),
                parse.GetValue(hold),
                parse.GetValue(maxConcurrent),
                parse.GetValue(sdp),
                parse.GetValue(from),
                parse.GetValue(nextHop),
                parse.GetValue(timeout),
                parse.GetValue(logFormat) ?? "text",
                CommandOptions.ParseLevel(parse.GetValue(logLevel)),
                parse.GetValue(shards),
                parse.GetValue(user),
                parse.GetValue(password),
                parse.GetValue(passwordFile),
                parse.GetValue(dns) ?? []),
            cancellationToken));
        return call;
    }

    private static async Task<int> RunAsync(CallArguments arguments, CancellationToken cancellationToken)
    {
        if (!TryPlan(arguments, out CallPlan? plan, out string? error))
        {
            await Console.Error.WriteLineAsync("sipdialogs: call: " + error).ConfigureAwait(false);
            return StackHost.InvalidConfiguration;
        }

        string[] listen = arguments.Listen.Length > 0 ? arguments.Listen : DefaultListen;
        HostApplicationBuilder builder = StackHost.CreateBuilder(
            new StackArguments(listen, arguments.Shards, Config: null, arguments.LogFormat, TlsCertificate: null, arguments.LogLevel),
            options =>
            {
                foreach (string server in arguments.Dns)
                {
                    options.NameServers.Add(server);
                }
            });

        // stdout carries the summary alone; the stack's logs go to stderr.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton<SipServerService>();
        builder.Services.AddHostedService(static services => services.GetRequiredService<SipServerService>());

        return await StackHost.RunAsync(async () =>
        {
            using IHost host = builder.Build();
            StackHost.HoldRepeatedStopSignals(host);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                SipStack stack = host.Services.GetRequiredService<SipServerService>().Stack;
                SipStackOptions options = host.Services.GetRequiredService<IOptions<SipStackOptions>>().Value;
                plan.Invite.SessionDescription ??= DefaultOffer(stack);

                // Ctrl-C and SIGTERM reach the host's lifetime, which asks the application to stop.
                IHostApplicationLifetime lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
                using var runner = new CallRunner(stack, plan, options.Timers.T1);
                CallTally tally = await runner.RunAsync(stopping.Token).ConfigureAwait(false);
                await Console.Out.WriteLineAsync(tally.ToString()).ConfigureAwait(false);
                await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);

                int left = await runner.WaitForNoDialogsAsync().ConfigureAwait(false);
                if (left > 0)
                {
                    await Console.Error.WriteLineAsync(
                        string.Create(CultureInfo.InvariantCulture, $"sipdialogs: call: {left} dialogs were still live when the stack stopped.")).ConfigureAwait(false);
                }

                return tally.AllAnsweredAndEnded && left == 0 ? AllCallsCompleted : SomeCallsFailed;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Why no end point listened on can carry the first hop (the next hop, else the target: its transport parameter or
    /// sips, its address family), with the --listen that would; null when one can. A request goes out over a transport
    /// and family the stack listens on, so without one it could only fail later as a bare 503.
    /// </summary>
    private static string? FirstHopProblem(SipUri target, SipEndPoint? nextHop, IReadOnlyList<string> listen)
    {
        SipTransportProtocol protocol;
        AddressFamily family;
        if (nextHop is { } hop)
        {
            protocol = hop.Protocol;
            family = hop.Address.AddressFamily;
        }
        else
        {
            protocol = target.IsSecure || string.Equals(target.Transport, "tls", StringComparison.OrdinalIgnoreCase) ? SipTransportProtocol.Tls
                : string.Equals(target.Transport, "tcp", StringComparison.OrdinalIgnoreCase) ? SipTransportProtocol.Tcp
                : SipTransportProtocol.Udp;
            family = IPAddress.TryParse(target.Host.Trim('[', ']'), out IPAddress? address) ? address.AddressFamily : AddressFamily.InterNetwork;
        }

        foreach (string entry in listen)
        {
            if (SipEndPoint.TryParse(entry, out SipEndPoint? endPoint) && endPoint.Value.Protocol == protocol && endPoint.Value.Address.AddressFamily == family)
            {
                return null;
            }
        }

        string name = protocol.ToString().ToLowerInvariant();
        string any = family == AddressFamily.InterNetworkV6 ? "[::1]" : "127.0.0.1";
        return $"the first hop is {name} over {(family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")}, and nothing listens on {name} in that family: " +
            $"add --listen {name}:{any}:0 (or the address to send from).";
    }

    /// <summary>Checks the arguments and turns them into a plan; on failure, a message naming the bad one.</summary>
    private static bool TryPlan(CallArguments arguments, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CallPlan? plan, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        plan = null;
        error = null;
        var invite = new InviteOptions();
        if (!AddrSpec.TryParse(arguments.Target, out AddrSpec? uri, out _) || uri is not SipUri sipUri)
        {
            error = $"'{arguments.Target}' is not a SIP URI (expected e.g. sip:service@127.0.0.1:5060).";
            return false;
        }

        if (arguments.NextHop is { } nextHopText)
        {
            if (SipEndPoint.TryParse(nextHopText, out SipEndPoint? nextHop, out string? why) && nextHop.Value.Address.Port != 0)
            {
                invite.NextHop = nextHop;
            }
            else if (NamedHop(nextHopText) is { } route)
            {
                invite.Routes.Add(route); // A proxy by name: a loose route the stack locates by DNS (RFC 3261 §8.1.2, RFC 3263).
            }
            else
            {
                error = $"--next-hop '{nextHopText}' is not transport:host:port: {why ?? "its port is 0"} (e.g. udp:127.0.0.1:5070).";
                return false;
            }
        }

        if (FirstHopProblem(sipUri, invite.NextHop, arguments.Listen.Length > 0 ? arguments.Listen : DefaultListen) is { } problem)
        {
            error = problem;
            return false;
        }

        if (arguments.From is { } fromText)
        {
            string from = fromText.Contains('<', StringComparison.Ordinal) ? fromText : "<" + fromText + ">";
            if (!NameAddress.TryParse(from, out NameAddress? address, out _) || address.Uri is not SipUri || address.Tag is not null)
            {
                error = $"--from '{fromText}' is not a SIP address without tag (e.g. \"Alice\" <sip:alice@127.0.0.1>).";
                return false;
            }

            invite.From = from;
        }

        if (arguments.Sdp is { } sdp)
        {
            if (!sdp.Exists)
            {
                error = $"--sdp file '{sdp.FullName}' does not exist.";
                return false;
            }

            invite.SessionDescription = File.ReadAllText(sdp.FullName);
        }

        if (!TryCredentials(arguments, out DigestClient? digest, out error))
        {
            return false;
        }

        invite.Digest = digest;
        error = (arguments.Calls, arguments.Duration) switch
        {
            (not null, not null) => "give --calls or --duration, not both.",
            ( <= 0, _) => $"--calls must be at least 1; it is {arguments.Calls}.",
            (_, not null and (<= 0 or double.NaN or double.PositiveInfinity)) => $"--duration must be a positive number of seconds; it is {Show(arguments.Duration.Value)}.",
            _ => null,
        };
        error ??= arguments switch
        {
            { Rate: <= 0 or double.NaN or double.PositiveInfinity } => $"--rate must be a positive number of calls per second; it is {Show(arguments.Rate)}.",
            { Hold: < 0 or double.NaN or > 86_400 } => $"--hold must be between 0 and 86400 seconds; it is {Show(arguments.Hold)}.",
            { MaxConcurrent: <= 0 } => $"--max-concurrent must be at least 1; it is {arguments.MaxConcurrent}.",
            { Timeout: <= 0 or double.NaN or > 86_400 } => $"--timeout must be between 0 and 86400 seconds; it is {Show(arguments.Timeout)}.",
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }

        TimeSpan? duration = arguments.Duration is double seconds ? TimeSpan.FromSeconds(seconds) : null;
        plan = new CallPlan(
            arguments.Target, invite, duration is null ? arguments.Calls ?? 1 : null, duration, arguments.Rate,
            TimeSpan.FromSeconds(arguments.Hold), arguments.MaxConcurrent, TimeSpan.FromSeconds(arguments.Timeout));
        return true;

        static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A --next-hop of the form transport:name:port as a loose route (<c>&lt;sip:name:port;transport=udp;lr&gt;</c>), or null.</summary>
    private static string? NamedHop(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 3 || parts[0] is not ("udp" or "tcp" or "tls") || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is 0 or > 65535 || !AddrSpec.TryParse($"sip:{parts[1]}", out AddrSpec? uri, out _) || uri is not SipUri { HostKind: SipHostKind.Name })
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture, $"<sip:{parts[1]}:{port};transport={parts[0]};lr>");
    }

    /// <summary>The Digest client of --user with --password or --password-file (<see cref="ClientCredentials"/>); none without --user.</summary>
    private static bool TryCredentials(CallArguments arguments, out DigestClient? digest, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error) =>
        ClientCredentials.TryCreate(
            arguments.User, arguments.Password, arguments.PasswordFile?.FullName, ("--user", "--password", "--password-file"), out digest, out error);

    /// <summary>The offer sent without --sdp (RFC 4566, RFC 3264): one PCMU audio stream on the stack's own address.</summary>
    private static string DefaultOffer(SipStack stack)
    {
        IPAddress address = stack.LocalEndPoints.Count > 0 ? stack.LocalEndPoints[0].Address.Address : IPAddress.Loopback;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }

        string family = address.AddressFamily == AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        return $"v=0\r\no=sipdialogs 1 1 IN {family} {address}\r\ns=-\r\nc=IN {family} {address}\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    }

    private sealed record CallArguments(
        string Target, string[] Listen, long? Calls, double Rate, double? Duration, double Hold, int MaxConcurrent, FileInfo? Sdp,
        string? From, string? NextHop, double Timeout, string LogFormat, LogLevel LogLevel, int? Shards,
        string? User, string? Password, FileInfo? PasswordFile, string[] Dns);
}
