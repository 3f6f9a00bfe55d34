using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace SipDialogs.Server;

/// <summary>
/// The options the commands share, and options whose bad values get a message that says what was wrong in the
/// user's words (a number of seconds, a file that does not exist) rather than a .NET type name.
/// </summary>
internal static class CommandOptions
{
    private static readonly string[] s_levels = ["trace", "debug", "information", "warning", "error", "critical", "none"];

    /// <summary><c>--log-format text|json</c>.</summary>
    public static Option<string> LogFormat(string description)
    {
        var option = new Option<string>("--log-format") { Description = description, DefaultValueFactory = _ => "text" };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }

    /// <summary><c>--log-level</c>: the least severe level logged; trace adds the SIP message trace.</summary>
    public static Option<string> LogLevel()
    {
        var option = new Option<string>("--log-level")
        {
            Description = "The least severe log level written: trace (adds every SIP message, whole, with credentials redacted), " +
                "debug, information (default), warning, error, critical or none.",
            DefaultValueFactory = _ => "information",
        };
        option.AcceptOnlyFromAmong(s_levels);
        return option;
    }

    /// <summary>The level a <see cref="LogLevel()"/> value names.</summary>
    public static LogLevel ParseLevel(string? name) => Enum.TryParse(name, ignoreCase: true, out LogLevel level) ? level : Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>An option of a number of seconds, refused with a message naming the option when not a number.</summary>
    public static Option<double?> Seconds(string name, string description) =>
        new(name) { Description = description, CustomParser = result => Number(result, name) };

    /// <summary>An option of a number, with a default, refused with a message naming the option when not a number.</summary>
    public static Option<double> Number(string name, string description, double defaultValue, params string[] aliases) =>
        new(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue, CustomParser = result => Number(result, name) ?? defaultValue };

    /// <summary>An option naming a file that must exist: refused at parse time with the path when it does not.</summary>
    public static Option<FileInfo> ExistingFile(string name, string description)
    {
        var option = new Option<FileInfo>(name) { Description = description };
        option.AcceptExistingOnly();
        return option;
    }

    private static double? Number(ArgumentResult result, string name)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        string text = result.Tokens[0].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
        {
            return value;
        }

        result.AddError($"{name} takes a number (e.g. 1.5); '{text}' is not one.");
        return null;
    }
}
