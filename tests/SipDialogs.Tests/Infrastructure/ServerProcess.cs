using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>The real <c>sipdialogs serve</c> executable, started for a test and stopped after it.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private ServerProcess(ExternalProcess process) => Process = process;

    public ExternalProcess Process { get; }

    /// <summary>The UDP end point the server reported listening on.</summary>
    public IPEndPoint? Udp { get; private set; }

    /// <summary>The TCP end point the server reported listening on.</summary>
    public IPEndPoint? Tcp { get; private set; }

    /// <summary>The management endpoint's base URL, when serve was started with --management.</summary>
    public Uri? Management { get; private set; }

    public static string ServerDll
    {
        get
        {
            // tests/SipDialogs.Tests/bin/<Configuration>/<tfm>/ → src/SipDialogs.Server/bin/<Configuration>/<tfm>/
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = testOutput.Name;
            string configuration = testOutput.Parent!.Name;
            DirectoryInfo repo = testOutput.Parent!.Parent!.Parent!.Parent!.Parent!;
            return Path.Combine(repo.FullName, "src", "SipDialogs.Server", "bin", configuration, tfm, "SipDialogs.Server.dll");
        }
    }

    /// <summary>Starts <c>serve</c> with the arguments and waits until every listener is up.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] arguments)
    {
        var all = new List<string> { ServerDll, "serve" };
        all.AddRange(arguments);
        var server = new ServerProcess(ExternalProcess.Start("dotnet", all));
        try
        {
            await server.Process.WaitForLineAsync(line => line.Contains("Application started", StringComparison.Ordinal))
                .WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        foreach (Match match in ListeningLine().Matches(server.Process.Output))
        {
            var endPoint = IPEndPoint.Parse(match.Groups["address"].Value);
            if (match.Groups["transport"].Value == "udp")
            {
                server.Udp ??= endPoint;
            }
            else if (match.Groups["transport"].Value == "tcp")
            {
                server.Tcp ??= endPoint;
            }
        }

        Match management = ManagementLine().Match(server.Process.Output);
        if (management.Success)
        {
            server.Management = new Uri(management.Groups["url"].Value);
        }

        return server;
    }

    /// <summary>The lines logged so far at Error or Critical level (the console logger's "fail:" and "crit:").</summary>
    public IReadOnlyList<string> ErrorLines
    {
        get
        {
            var lines = new List<string>();
            foreach (string line in Process.Output.Split('\n'))
            {
                if (line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal))
                {
                    lines.Add(line);
                }
            }

            return lines;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    [GeneratedRegex(@"Management endpoint listening on (?<url>http://\S+)")]
    private static partial Regex ManagementLine();

    [GeneratedRegex(@"SIP stack listening on (?<transport>udp|tcp|tls):(?<address>\S+)")]
    private static partial Regex ListeningLine();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"serve udp={Udp} tcp={Tcp}");
}
