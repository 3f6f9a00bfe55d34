using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>Runs SIPp scenarios from the repository against a target and reports how the calls ended.</summary>
internal static class Sipp
{
    /// <summary>The cumulative count of successful calls in a SIPp screen (<c>-trace_screen</c>), or null when it has none.</summary>
    public static int? SuccessfulCalls(string screen)
    {
        Match successful = Regex.Match(screen, @"Successful call\s*\|\s*\d+\s*\|\s*(\d+)");
        return successful.Success ? int.Parse(successful.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The full path of a scenario file in the repository.</summary>
    public static string Scenario(string relativePath) => Repository.PathOf(relativePath);

    /// <summary>
    /// Runs SIPp to completion (<paramref name="scenario"/> is a file in the repository or "-sn name" for a built-in one): <paramref name="calls"/> calls at <paramref name="rate"/> calls/s. SIPp exits 0 when
    /// every call succeeded, 1 when at least one failed, and other codes on fatal errors.
    /// </summary>
    public static async Task<SippResult> RunAsync(
        string scenario, IPEndPoint target, int calls, int rate, TimeSpan timeout, string transport = "u1", IEnumerable<string>? extra = null)
    {
        string statFile = Path.Combine(Path.GetTempPath(), "sipp-" + Guid.NewGuid().ToString("N") + ".csv");
        var arguments = new List<string>();
        if (scenario.StartsWith("-sn ", StringComparison.Ordinal))
        {
            arguments.Add("-sn");
            arguments.Add(scenario[4..]); // A built-in scenario, e.g. "-sn uac".
        }
        else
        {
            arguments.Add("-sf");
            arguments.Add(Scenario(scenario));
        }

        arguments.AddRange(new List<string>
        {
            "-i", target.Address.ToString(),
            "-t", transport,
            "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-r", rate.ToString(CultureInfo.InvariantCulture),
            "-timeout", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s",
            "-timeout_error",
            "-nostdin",
            "-trace_screen",
            "-screen_file", statFile,
            "-aa",
        });
        if (extra is not null)
        {
            arguments.AddRange(extra);
        }

        arguments.Add(target.ToString());
        await using ExternalProcess sipp = ExternalProcess.Start("sipp", arguments, Path.GetTempPath());
        int exit = await sipp.Exited.WaitAsync(timeout + TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        string screen = File.Exists(statFile) ? await File.ReadAllTextAsync(statFile).ConfigureAwait(false) : sipp.Output;
        File.Delete(statFile);
        return new SippResult(exit, screen + "\n" + sipp.Output);
    }
}

/// <summary>How a SIPp run ended: exit code 0 means every call succeeded.</summary>
internal sealed record SippResult(int ExitCode, string Output);
