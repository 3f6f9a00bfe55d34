using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SipDialogs.Hosting;

namespace SipDialogs.Server;

/// <summary>The <c>sipdialogs</c> command line: <c>serve</c> runs the SIP server on the generic host.</summary>
internal static class ServeCommand
{
    public static RootCommand BuildRoot()
    {
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = "Where to listen, repeatable: udp:127.0.0.1:5060, tcp:[::1]:5060, tls:0.0.0.0:5061 (port 0 = any free port). " +
                "Default: udp and tcp on 127.0.0.1:5060, or SipDialogs:Listen in configuration.",
            AllowMultipleArgumentsPerToken = true,
        };
        var shards = new Option<int?>("--shards") { Description = "Number of shards (default: 2 per core)." };
        var config = new Option<FileInfo?>("--config", "-c") { Description = "A JSON configuration file (section SipDialogs)." };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "Log output: text or json (structured, one object per line).",
            DefaultValueFactory = _ => "text",
        };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var tlsCertificate = new Option<FileInfo?>("--tls-certificate") { Description = "PKCS#12 file with the TLS certificate and key." };

        var serve = new Command("serve", "Run the SIP server (UAS) until Ctrl-C or SIGTERM.")
        {
            listen, shards, config, logFormat, tlsCertificate,
        };
        serve.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(listen) ?? [],
            parse.GetValue(shards),
            parse.GetValue(config),
            parse.GetValue(logFormat) ?? "text",
            parse.GetValue(tlsCertificate),
            cancellationToken));

        return new RootCommand("sipdialogs: a SIP server built on the SipDialogs stack.") { serve };
    }

    private static async Task<int> RunAsync(string[] listen, int? shards, FileInfo? config, string logFormat, FileInfo? tlsCertificate, CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "sipdialogs",
            DisableDefaults = false,
        });
        if (config is not null)
        {
            builder.Configuration.AddJsonFile(config.FullName, optional: false, reloadOnChange: false);
        }

        builder.Logging.ClearProviders();
        if (logFormat == "json")
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        builder.Services.AddOptions<SipStackOptions>()
            .Bind(builder.Configuration.GetSection(SipStackOptions.SectionName))
            .PostConfigure(options =>
            {
                if (listen.Length > 0)
                {
                    options.Listen.Clear();
                    foreach (string entry in listen)
                    {
                        options.Listen.Add(entry);
                    }
                }

                if (shards is int count)
                {
                    options.Shards.ShardCount = count;
                }

                if (tlsCertificate is not null)
                {
                    options.TlsCertificatePath = tlsCertificate.FullName;
                }
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SipStackOptions>, SipStackOptionsValidation>();
        builder.Services.AddSingleton<ISipRequestHandler, UasCore>();
        builder.Services.AddHostedService<SipServerService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        using IHost host = builder.Build();
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OptionsValidationException exception)
        {
            await Console.Error.WriteLineAsync("sipdialogs: invalid configuration: " + string.Join("; ", exception.Failures)).ConfigureAwait(false);
            return 2;
        }
        catch (IOException exception) when (exception.InnerException is System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync("sipdialogs: cannot listen: " + exception.Message).ConfigureAwait(false);
            return 3;
        }
        catch (System.Net.Sockets.SocketException exception)
        {
            await Console.Error.WriteLineAsync("sipdialogs: cannot listen: " + exception.Message).ConfigureAwait(false);
            return 3;
        }
    }
}
