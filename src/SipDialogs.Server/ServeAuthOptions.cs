using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SipDialogs.Auth;
using SipDialogs.Hosting;
using SipDialogs.Messages;

namespace SipDialogs.Server;

/// <summary>
/// How <c>serve</c> challenges callers (RFC 3261 §22, RFC 7616), bound from section <c>SipDialogs:Auth</c> and
/// overridden by <c>--auth-file</c>, <c>--auth-realm</c> and <c>--auth-methods</c>. Off unless a file is given.
/// </summary>
internal sealed class ServeAuthOptions
{
    /// <summary>The section bound.</summary>
    public const string SectionName = SipStackOptions.SectionName + ":Auth";

    /// <summary>The credentials file: <c>user realm HA1</c> lines (<see cref="DigestSecretFile"/>). Null: no challenge.</summary>
    public string? File { get; set; }

    /// <summary>The realm challenged; required with <see cref="File"/>.</summary>
    public string? Realm { get; set; }

    /// <summary>The methods challenged outside dialogs; INVITE when none is given.</summary>
    public IList<string> Methods { get; } = [];

    /// <summary>
    /// The algorithms offered, one challenge each, preferred first: SHA-256 and MD5 when none is given. Some clients
    /// answer only the first challenge and know only MD5 (SIPp 3.6): <c>--auth-algorithms MD5</c> serves them.
    /// </summary>
    public IList<string> Algorithms { get; } = [];

    /// <summary>How long a nonce is fresh before a right answer to it gets <c>stale=true</c>. Default 5 minutes.</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Failures from one address within <see cref="FailureWindow"/> after which it gets 403. Default 10.</summary>
    public int MaxFailures { get; set; } = 10;

    /// <summary>The window failures are counted in. Default 1 minute.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Registers the options and, when a credentials file is configured, the <see cref="DigestGate"/> that
    /// <see cref="SipServerService"/> sets as the stack's <see cref="SipStack.Gate"/>.
    /// </summary>
    public static void AddTo(HostApplicationBuilder builder, FileInfo? file, string? realm, string[]? methods, string[]? algorithms)
    {
        builder.Services.AddOptions<ServeAuthOptions>()
            .Bind(builder.Configuration.GetSection(SectionName))
            .PostConfigure(options =>
            {
                options.File = file?.FullName ?? options.File;
                options.Realm = realm ?? options.Realm;
                Replace(options.Methods, methods);
                Replace(options.Algorithms, algorithms);
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServeAuthOptions>>(
            new OptionsValidation<ServeAuthOptions>(static options => options.CreateGate()));
        if (file is not null || builder.Configuration[SectionName + ":File"] is not null)
        {
            builder.Services.AddSingleton(static services => services.GetRequiredService<IOptions<ServeAuthOptions>>().Value.CreateGate()!);
        }
    }

    /// <summary>Sets <paramref name="list"/> to the command line's values, each of which may be a comma-separated list.</summary>
    private static void Replace(IList<string> list, string[]? values)
    {
        if (values is not { Length: > 0 })
        {
            return;
        }

        list.Clear();
        foreach (string value in values)
        {
            foreach (string name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                list.Add(name.ToUpperInvariant());
            }
        }
    }

    /// <summary>The gate these options describe, or null when no file is configured.</summary>
    /// <returns>The gate.</returns>
    /// <exception cref="InvalidOperationException">A setting is wrong; the message names it, never a secret.</exception>
    public DigestGate? CreateGate()
    {
        if (File is null)
        {
            return null;
        }

        if (string.IsNullOrEmpty(Realm))
        {
            throw new InvalidOperationException("Auth:Realm (--auth-realm) is required with --auth-file.");
        }

        if (!DigestSecretFile.TryLoad(File, out DigestSecretFile? secrets, out string? error))
        {
            throw new InvalidOperationException("Auth:File (--auth-file): " + error);
        }

        string[] methods = Methods.Count == 0 ? [SipMethods.Invite] : [.. Methods];
        foreach (string method in methods)
        {
            if (!SipMethods.IsValidMethod(method) || method is SipMethods.Ack or SipMethods.Cancel or SipMethods.Bye)
            {
                throw new InvalidOperationException($"Auth:Methods (--auth-methods): '{method}' cannot be challenged outside a dialog.");
            }
        }

        if (NonceLifetime <= TimeSpan.Zero || MaxFailures < 1 || FailureWindow <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Auth:NonceLifetime and Auth:FailureWindow must be positive and Auth:MaxFailures at least 1.");
        }

        var options = new DigestServerOptions
        {
            Realm = Realm,
            NonceLifetime = NonceLifetime,
            MaxFailures = MaxFailures,
            FailureWindow = FailureWindow,
        };
        if (Algorithms.Count > 0)
        {
            options.Algorithms.Clear();
            foreach (string name in Algorithms)
            {
                if (!DigestAlgorithms.TryParse(name, out DigestAlgorithm algorithm) || DigestAlgorithms.IsSession(algorithm))
                {
                    throw new InvalidOperationException($"Auth:Algorithms (--auth-algorithms): '{name}' is not MD5, SHA-256 or SHA-512-256.");
                }

                options.Algorithms.Add(algorithm);
            }
        }
        try
        {
            return new DigestGate(new DigestAuthenticator(options, secrets), methods);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationException("Auth:Realm (--auth-realm): " + exception.Message, exception);
        }
    }
}
