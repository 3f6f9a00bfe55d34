using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SipDialogs.Hosting;

namespace SipDialogs.Server;

/// <summary>
/// The <c>sipdialogs</c> command line: <c>serve</c> runs the SIP server on the generic host; <c>call</c>
/// (<see cref="CallCommand"/>) places calls as a UAC.
/// </summary>
internal static class ServeCommand
{
    public static Command BuildRoot()
    {
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = "Where to listen, repeatable: udp:127.0.0.1:5060, tcp:[::1]:5060, tls:0.0.0.0:5061 (port 0 = any free port). " +
                "Default: udp and tcp on 127.0.0.1:5060, or SipDialogs:Listen in configuration.",
            AllowMultipleArgumentsPerToken = true,
        };
        var shards = new Option<int?>("--shards") { Description = "Number of shards (default: 2 per core)." };
        Option<FileInfo> config = CommandOptions.ExistingFile("--config", "A JSON configuration file (section SipDialogs).");
        config.Aliases.Add("-c");
        Option<string> logFormat = CommandOptions.LogFormat("Log output: text or json (structured, one object per line).");
        Option<string> logLevel = CommandOptions.LogLevel();
        Option<FileInfo> tlsCertificate = CommandOptions.ExistingFile("--tls-certificate", "PKCS#12 file with the TLS certificate and key.");
        var mode = new Option<string>("--mode")
        {
            Description = "uas: answer calls (INVITE → 200 with SDP, BYE, re-INVITE, UPDATE, INFO, OPTIONS) and transfers (REFER). " +
                "b2bua: bridge each call to a new call to --next-hop or the routes in SipDialogs:B2bua:Routes.",
            DefaultValueFactory = _ => "uas",
        };
        mode.AcceptOnlyFromAmong("uas", "b2bua");
        var nextHop = new Option<string?>("--next-hop")
        {
            Description = "--mode b2bua: where calls go that no route in SipDialogs:B2bua:Routes takes, e.g. udp:127.0.0.1:5070, " +
                "or a name located by DNS (RFC 3263): udp:sip.example.com:5070, sip.example.com.",
        };
        var nextHopUser = new Option<string?>("--next-hop-user")
        {
            Description = "--mode b2bua: answer --next-hop's 401/407 challenges (Digest) as this user, with --next-hop-password or --next-hop-password-file.",
        };
        var nextHopPassword = new Option<string?>("--next-hop-password") { Description = "The password for --next-hop-user (never logged)." };
        Option<FileInfo> nextHopPasswordFile = CommandOptions.ExistingFile(
            "--next-hop-password-file", "A file whose first line is the password for --next-hop-user.");
        var allow = new Option<string[]>("--allow")
        {
            Description = "--mode b2bua: a source network that may place calls (CIDR, IPv4 or IPv6), repeatable; default loopback only. " +
                "Others get 403 (or SipDialogs:B2bua:Allow).",
            AllowMultipleArgumentsPerToken = false,
        };
        Option<double?> ring = CommandOptions.Seconds("--ring", "Send 180 and ring this many seconds before answering.");
        Option<double?> hangUpAfter = CommandOptions.Seconds("--hangup-after", "Send BYE this many seconds after the call is answered.");
        Option<FileInfo> answerSdp = CommandOptions.ExistingFile("--answer-sdp", "A file with the SDP answer to send.");
        var acceptTransfers = new Option<bool?>("--accept-transfers")
        {
            Description = "Accept REFER (RFC 3515) as a transferee: place the referred call, report it by NOTIFY, end it with BYE " +
                "(default true, or SipDialogs:Transfers:AcceptReferrals; false declines REFER with 603). In --mode b2bua: carry out " +
                "transfers of bridged calls, routing the target as a new call (default false, or SipDialogs:B2bua:AcceptTransfers).",
        };
        Option<double?> transferHold = CommandOptions.Seconds(
            "--transfer-hold", "Seconds a referred call is held once answered before serve sends BYE (default 0, or SipDialogs:Transfers:Hold).");

        var management = new Option<string?>("--management")
        {
            Description = "Serve /metrics (Prometheus), /health/live, /health/ready and POST /drain at this URL, e.g. http://127.0.0.1:9464 " +
                "(port 0 = any free port). Off by default; a loopback address unless --management-allow-remote is given.",
        };
        var managementAllowRemote = new Option<bool>("--management-allow-remote")
        {
            Description = "Let --management listen on an address other machines reach (the endpoint has no authentication).",
        };
        var maxCalls = new Option<int?>("--max-calls")
        {
            Description = "The most calls up at once; a new INVITE beyond it gets 503 with Retry-After (default: no limit, or SipDialogs:Limits:MaxCalls).",
        };
        var drainTimeout = new Option<double?>("--drain-timeout")
        {
            Description = "On SIGTERM or POST /drain, seconds to wait for the calls held to end before sending them BYE (default 30).",
        };

        Option<FileInfo> authFile = CommandOptions.ExistingFile(
            "--auth-file", "Challenge callers (Digest, RFC 3261 §22) against this file of 'user realm HA1' lines (or SHA-256:<hex>, plain:<password>).");
        var authRealm = new Option<string?>("--auth-realm") { Description = "The realm of the challenges; required with --auth-file." };
        var authMethods = new Option<string[]>("--auth-methods")
        {
            Description = "Methods challenged outside dialogs, e.g. INVITE,OPTIONS,SUBSCRIBE (default INVITE).",
            AllowMultipleArgumentsPerToken = true,
        };
        var authAlgorithms = new Option<string[]>("--auth-algorithms")
        {
            Description = "Digest algorithms offered, preferred first: SHA-512-256, SHA-256, MD5 (default SHA-256,MD5).",
            AllowMultipleArgumentsPerToken = true,
        };

        var dns = new Option<string[]>("--dns")
        {
            Description = "DNS servers for host names in transfer targets, B2BUA routes and remote targets (RFC 3263), e.g. 127.0.0.1:5353 " +
                "(default: the system's, or SipDialogs:NameServers).",
            AllowMultipleArgumentsPerToken = true,
        };

        var advertise = new Option<string[]>("--advertise")
        {
            Description = "The address to name in Contacts instead of the listening one, one per transport, e.g. udp:192.0.2.10:5060: " +
                "the balancer in front of several nodes, so that in-dialog requests come back through it (or SipDialogs:Advertise).",
            AllowMultipleArgumentsPerToken = true,
        };
        (Option<string?> redis, Option<string?> nodeId) = ServeReplication.CreateOptions();
        var serve = new Command("serve", "Run the SIP server (a UAS, or a B2BUA with --mode b2bua) until Ctrl-C or SIGTERM, which drain it first.")
        {
            listen, shards, config, logFormat, logLevel, tlsCertificate, mode, ring, hangUpAfter, answerSdp, acceptTransfers, transferHold,
            management, managementAllowRemote, drainTimeout, maxCalls, nextHop, nextHopUser, nextHopPassword, nextHopPasswordFile, allow, authFile, authRealm, authMethods, authAlgorithms, dns, redis, nodeId,
            advertise,
        };
        serve.SetAction((parse, cancellationToken) => RunAsync(
            new ServeArguments(
                parse.GetValue(listen) ?? [],
                parse.GetValue(shards),
                parse.GetValue(config),
                parse.GetValue(logFormat) ?? "text",
                CommandOptions.ParseLevel(parse.GetValue(logLevel)),
                parse.GetValue(tlsCertificate),
                parse.GetValue(ring),
                parse.GetValue(hangUpAfter),
                parse.GetValue(answerSdp),
                parse.GetValue(acceptTransfers),
                parse.GetValue(transferHold),
                parse.GetValue(management),
                parse.GetValue(managementAllowRemote),
                parse.GetValue(drainTimeout),
                parse.GetValue(maxCalls),
                parse.GetValue(mode) ?? "uas",
                parse.GetValue(nextHop),
                parse.GetValue(allow) ?? []),
            (parse.GetValue(authFile), parse.GetValue(authRealm), parse.GetValue(authMethods), parse.GetValue(authAlgorithms)),
            (parse.GetValue(dns) ?? [], parse.GetValue(advertise) ?? []),
            (parse.GetValue(redis), parse.GetValue(nodeId)),
            (parse.GetValue(nextHopUser), parse.GetValue(nextHopPassword), parse.GetValue(nextHopPasswordFile)?.FullName),
            cancellationToken));

        // Named for the command users type, whatever the executable file is called (help's usage line shows it).
        return new Command("sipdialogs", "sipdialogs: a SIP server built on the SipDialogs stack.")
        {
            serve, CallCommand.Build(), new HelpOption(), new VersionOption(),
        };
    }

    private static Task<int> RunAsync(
        ServeArguments arguments, (FileInfo? File, string? Realm, string[]? Methods, string[]? Algorithms) auth, (string[] Dns, string[] Advertise) addresses,
        (string? Redis, string? NodeId) cluster, (string? User, string? Password, string? PasswordFile) nextHopCredentials,
        CancellationToken cancellationToken)
    {
        (string[] listen, int? shards, FileInfo? config, string logFormat, LogLevel logLevel, FileInfo? tlsCertificate, double? ring, double? hangUpAfter, FileInfo? answerSdp,
            bool? acceptTransfers, double? transferHold, string? management, bool managementAllowRemote, double? drainTimeout, int? maxCalls,
            string mode, string? nextHop, string[] allow) = arguments;
        bool bridging = mode == "b2bua";
        Uri? managementUrl = null;
        if (management is not null && !ManagementEndpoint.TryParseUrl(management, managementAllowRemote, out managementUrl, out string? error))
        {
            Console.Error.WriteLine("sipdialogs: invalid configuration: " + error);
            return Task.FromResult(StackHost.InvalidConfiguration);
        }

        if (drainTimeout is double seconds && !(seconds is >= 0 and <= ServeTransferOptions.MostSeconds))
        {
            Console.Error.WriteLine("sipdialogs: invalid configuration: --drain-timeout must be between 0 and 86400 seconds.");
            return Task.FromResult(StackHost.InvalidConfiguration);
        }

        ServeReplication? replication;
        try
        {
            replication = ServeReplication.FromCommandLine(cluster.Redis, cluster.NodeId);
        }
        catch (InvalidOperationException exception)
        {
            Console.Error.WriteLine("sipdialogs: invalid configuration: " + exception.Message);
            return Task.FromResult(StackHost.InvalidConfiguration);
        }

        TimeSpan drainFor = drainTimeout is double drainSeconds ? TimeSpan.FromSeconds(drainSeconds) : GracefulDrain.DefaultTimeout;
        var bridgedMaxCalls = new StrongBox<int>();
        HostApplicationBuilder builder = StackHost.CreateBuilder(
            new StackArguments(listen, shards, config, logFormat, tlsCertificate, logLevel),
            options =>
            {
                if (acceptTransfers is bool accept && !bridging)
                {
                    options.Transfers.AcceptReferrals = accept; // A B2BUA's transfers are its bridges', not the stack's.
                }

                if (maxCalls is int most)
                {
                    options.Limits.MaxCalls = most;
                }

                foreach (string server in addresses.Dns)
                {
                    options.NameServers.Add(server);
                }

                foreach (string address in addresses.Advertise)
                {
                    options.Advertise.Add(address);
                }

                if (bridging)
                {
                    // A bridged call holds two dialogs, and one being set up none yet: the router counts calls instead.
                    bridgedMaxCalls.Value = options.Limits.MaxCalls;
                    options.Limits.MaxCalls = 0;
                    options.MetricsMode = "b2bua";
                }
            },
            defaults: options => options.Transfers.AcceptReferrals = !bridging); // serve --mode uas is a transferee unless told not to be.

        // --mode uas: the answerer is serve's request handler.
        builder.Services.AddOptions<CallAnsweringOptions>()
            .Bind(builder.Configuration.GetSection(CallAnsweringOptions.SectionName))
            .PostConfigure(options =>
            {
                if (ring is double seconds)
                {
                    options.RingFor = TimeSpan.FromSeconds(seconds);
                }

                if (hangUpAfter is double after)
                {
                    options.HangUpAfter = TimeSpan.FromSeconds(after);
                }

                if (answerSdp is not null)
                {
                    options.AnswerSdp = File.ReadAllText(answerSdp.FullName);
                }
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CallAnsweringOptions>>(new OptionsValidation<CallAnsweringOptions>(static options => options.Validate()));
        builder.Services.AddSingleton<LiveCalls>();
        if (bridging)
        {
            // --mode b2bua: the router is serve's request handler.
            builder.Services.AddOptions<B2buaOptions>()
                .Bind(builder.Configuration.GetSection(B2buaOptions.SectionName))
                .PostConfigure(options =>
                {
                    if (nextHop is not null)
                    {
                        options.NextHop = nextHop;
                    }

                    if (nextHopCredentials.User is not null)
                    {
                        options.NextHopUser = nextHopCredentials.User;
                    }

                    if (nextHopCredentials.Password is not null)
                    {
                        options.NextHopPassword = nextHopCredentials.Password;
                    }

                    if (nextHopCredentials.PasswordFile is not null)
                    {
                        options.NextHopPasswordFile = nextHopCredentials.PasswordFile;
                    }

                    if (acceptTransfers is bool transfers)
                    {
                        options.AcceptTransfers = transfers;
                    }

                    if (allow.Length > 0)
                    {
                        options.Allow.Clear();
                        foreach (string network in allow)
                        {
                            options.Allow.Add(network);
                        }
                    }
                })
                .ValidateOnStart();
            builder.Services.AddSingleton<IValidateOptions<B2buaOptions>>(new OptionsValidation<B2buaOptions>(static options => options.Validate()));
            builder.Services.AddSingleton(services =>
            {
                SipStackOptions stackOptions = services.GetRequiredService<IOptions<SipStackOptions>>().Value; // Moves MaxCalls to the router.
                return new CallRouter(
                    () => services.GetRequiredService<SipServerService>().Stack,
                    services.GetRequiredService<IOptions<B2buaOptions>>().Value,
                    bridgedMaxCalls.Value,
                    stackOptions.Shards.OverloadRetryAfter,
                    services.GetRequiredService<LiveCalls>(),
                    services.GetRequiredService<ILogger<CallRouter>>(),
                    services.GetRequiredService<IMeterFactory>());
            });
            builder.Services.AddSingleton<ISipRequestHandler>(static services => new IncomingCallUas(services.GetRequiredService<CallRouter>().HandleAsync));
        }
        else
        {
            builder.Services.AddSingleton<ISipRequestHandler>(static services =>
                new CallAnsweringUas(services.GetRequiredService<IOptions<CallAnsweringOptions>>().Value, calls: services.GetRequiredService<LiveCalls>()));
        }
        builder.Services.AddOptions<ServeTransferOptions>()
            .Bind(builder.Configuration.GetSection(ServeTransferOptions.SectionName))
            .PostConfigure(options =>
            {
                if (transferHold is double hold)
                {
                    // NaN or a huge value would throw here; TimeSpan.MinValue is refused below with the option's name.
                    options.Hold = hold is >= 0 and <= ServeTransferOptions.MostSeconds ? TimeSpan.FromSeconds(hold) : TimeSpan.MinValue;
                }
            })
            .Validate(static options => options.IsValid, "Transfers:Hold (--transfer-hold) must be between 0 and 86400 seconds.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Transferee>();
        ServeAuthOptions.AddTo(builder, auth.File, auth.Realm, auth.Methods, auth.Algorithms);
        builder.Services.AddMetrics();
        replication?.Register(builder.Services);
        builder.Services.AddSingleton<SipServerService>();
        builder.Services.AddHostedService(static services => services.GetRequiredService<SipServerService>());
        builder.Services.AddSingleton(services => new GracefulDrain(
            services.GetRequiredService<SipServerService>(),
            services.GetRequiredService<LiveCalls>(),
            services.GetRequiredService<IHostApplicationLifetime>(),
            drainFor,
            services.GetRequiredService<ILogger<GracefulDrain>>(),
            replication));
        if (managementUrl is not null)
        {
            builder.Services.AddHostedService(services => new ManagementEndpoint(
                managementUrl,
                services.GetRequiredService<SipServerService>(),
                services.GetRequiredService<GracefulDrain>(),
                services.GetRequiredService<ILoggerFactory>(),
                services.GetRequiredService<IMeterFactory>()));
        }

        // Registered last, stopped first: the drain runs while the stack and the management endpoint still do.
        builder.Services.AddHostedService(static services => services.GetRequiredService<GracefulDrain>());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drainFor + TimeSpan.FromSeconds(30));

        return StackHost.RunAsync(async () =>
        {
            using IHost host = builder.Build();
            StackHost.HoldRepeatedStopSignals(host, host.Services.GetRequiredService<GracefulDrain>().EndNow);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
    }

    private sealed record ServeArguments(
        string[] Listen, int? Shards, FileInfo? Config, string LogFormat, LogLevel LogLevel, FileInfo? TlsCertificate, double? Ring, double? HangUpAfter, FileInfo? AnswerSdp,
        bool? AcceptTransfers, double? TransferHold, string? Management, bool ManagementAllowRemote, double? DrainTimeout, int? MaxCalls,
        string Mode, string? NextHop, string[] Allow);
}
