using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SipDialogs.Hosting;

/// <summary>Registers a <see cref="SipStack"/> with <c>Microsoft.Extensions.DependencyInjection</c>.</summary>
public static class SipStackServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="SipStack"/> as a singleton, built from <see cref="SipStackOptions"/> (bind them from
    /// configuration with <c>services.Configure&lt;SipStackOptions&gt;(section)</c> or pass <paramref name="configure"/>),
    /// the registered <see cref="ISipRequestHandler"/> (a <see cref="UasCore"/> when none is), <see cref="ILoggerFactory"/>,
    /// <see cref="TimeProvider"/>, <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (<c>services.AddMetrics()</c>:
    /// the stack's meter <c>SipDialogs</c>) and a <see cref="DigestGate"/> (the stack's <see cref="SipStack.Gate"/>: Digest
    /// authentication of the methods it guards, RFC 3261 §22) when registered; each named <see cref="Auth.DigestClient"/>
    /// registered is held for the dialogs the stack imports (<see cref="SipStack.AddDigestClient"/>). The container disposes it; the application starts it with
    /// <see cref="SipStack.StartAsync"/> (a hosted service, say).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the options, or null.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddSipStack(this IServiceCollection services, Action<SipStackOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SipStackOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(static provider =>
        {
            var stack = new SipStack(
                provider.GetRequiredService<IOptions<SipStackOptions>>().Value,
                provider.GetService<ISipRequestHandler>(),
                provider.GetService<ILoggerFactory>(),
                provider.GetService<TimeProvider>(),
                meterFactory: provider.GetService<System.Diagnostics.Metrics.IMeterFactory>())
            {
                Gate = provider.GetService<DigestGate>(),
            };
            foreach (Auth.DigestClient client in provider.GetServices<Auth.DigestClient>())
            {
                if (!string.IsNullOrEmpty(client.Name))
                {
                    stack.AddDigestClient(client); // For the dialogs imported (DialogSnapshot.DigestClientName).
                }
            }

            return stack;
        });
        return services;
    }
}
