using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SipDialogs.Hosting;

namespace SipDialogs.Server;

/// <summary>
/// The generic host every command that runs a stack builds on: configuration (a JSON file, environment variables),
/// console logs as text or JSON, and <see cref="SipStackOptions"/> bound from section SipDialogs, overridden by the
/// command line and validated when the host starts.
/// </summary>
internal static class StackHost
{
    /// <summary>The process-lifetime registrations of <see cref="HoldRepeatedStopSignals"/>; never disposed.</summary>
    private static readonly List<PosixSignalRegistration> s_heldSignals = [];

    /// <summary>Exit code of a configuration the stack refuses.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>Exit code of an end point that cannot be listened on.</summary>
    public const int CannotListen = 3;

    /// <summary>Creates the host builder with logging and the stack's options; the command adds its services.</summary>
    /// <param name="arguments">The command line's stack options.</param>
    /// <param name="configure">The command's own settings, applied after binding and the common options.</param>
    /// <param name="defaults">The command's own defaults, applied before binding, so that configuration overrides them.</param>
    /// <returns>The builder.</returns>
    public static HostApplicationBuilder CreateBuilder(StackArguments arguments, Action<SipStackOptions> configure, Action<SipStackOptions>? defaults = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "sipdialogs",
            DisableDefaults = false,
        });
        if (arguments.Config is { } config)
        {
            builder.Configuration.AddJsonFile(config.FullName, optional: false, reloadOnChange: false);
        }

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(arguments.LogLevel);

        // A host that cannot start logs the exception with its whole stack; RunAsync prints the one line that says
        // what was wrong instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Critical && level >= arguments.LogLevel);
        if (arguments.LogFormat == "json")
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
            .Configure(options => defaults?.Invoke(options))
            .Bind(builder.Configuration.GetSection(SipStackOptions.SectionName))
            .PostConfigure(options =>
            {
                if (arguments.Listen.Count > 0)
                {
                    options.Listen.Clear();
                    foreach (string entry in arguments.Listen)
                    {
                        options.Listen.Add(entry);
                    }
                }

                if (arguments.Shards is int count)
                {
                    options.Shards.ShardCount = count;
                }

                if (arguments.TlsCertificate is { } certificate)
                {
                    options.TlsCertificatePath = certificate.FullName;
                }

                configure(options);
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SipStackOptions>>(new OptionsValidation<SipStackOptions>(static options => options.Validate()));
        return builder;
    }

    /// <summary>
    /// Once the host is stopping, a further Ctrl-C, SIGTERM or SIGQUIT is taken and ignored for the rest of the process:
    /// the host's own handlers go with the host, and a signal that came after them would otherwise end the process at
    /// once (exit 130 or 143) in the middle of a clean stop. The stop is bounded by the host's shutdown timeout.
    /// </summary>
    /// <param name="host">The command's host, built and not yet stopped.</param>
    /// <param name="repeated">Called on each signal held (serve's drain ends its wait), or null.</param>
    public static void HoldRepeatedStopSignals(IHost host, Action? repeated = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
        {
            lock (s_heldSignals)
            {
                if (s_heldSignals.Count > 0)
                {
                    return;
                }

                foreach (PosixSignal signal in (ReadOnlySpan<PosixSignal>)[PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT])
                {
                    s_heldSignals.Add(PosixSignalRegistration.Create(signal, context =>
                    {
                        context.Cancel = true;
                        repeated?.Invoke();
                    }));
                }
            }
        });
    }

    /// <summary>Runs a command's host and turns a refused configuration or listen end point into a message and an exit code.</summary>
    /// <param name="run">Builds, runs and stops the host; returns the exit code.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(Func<Task<int>> run)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (OptionsValidationException exception)
        {
            await Console.Error.WriteLineAsync("sipdialogs: invalid configuration: " + string.Join("; ", exception.Failures)).ConfigureAwait(false);
            return InvalidConfiguration;
        }
        catch (IOException exception) when (exception.InnerException is System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync("sipdialogs: cannot listen: " + exception.Message).ConfigureAwait(false);
            return CannotListen;
        }
        catch (System.Net.Sockets.SocketException exception)
        {
            await Console.Error.WriteLineAsync("sipdialogs: cannot listen: " + exception.Message).ConfigureAwait(false);
            return CannotListen;
        }
    }
}
