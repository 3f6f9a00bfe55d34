using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SipDialogs.Auth;

/// <summary>
/// A credentials file: one <c>user realm secret</c> line per entry, fields separated by spaces or tabs.
/// <list type="bullet">
/// <item><c>secret</c> = 32 hex digits: the MD5 HA1, <c>md5(user:realm:password)</c>, as Kamailio's <c>ha1</c> column holds it.</item>
/// <item><c>secret</c> = <c>MD5:</c>, <c>SHA-256:</c> or <c>SHA-512-256:</c> and the hex HA1 of that algorithm. A user
/// may have a line per algorithm; the server offers only algorithms the user has an HA1 for.</item>
/// <item><c>secret</c> = <c>plain:</c> and the password (the rest of the line, spaces included): the HA1 of every
/// algorithm is computed when the file is read, and the password is not kept.</item>
/// </list>
/// Blank lines and lines starting with <c>#</c> are ignored. An error names the line, never its secret.
/// </summary>
/// <example><code>
/// # user   realm         secret
/// alice    example.com   SHA-256:9a0c…e1
/// alice    example.com   939e7578ed9e3c518a452acee763bce9
/// bob      example.com   plain:correct horse
/// </code></example>
public sealed class DigestSecretFile : IDigestSecretStore
{
    private const string PlainPrefix = "plain:";

    private readonly Dictionary<string, string> _ha1 = new(StringComparer.Ordinal);

    private DigestSecretFile()
    {
    }

    /// <summary>The number of (user, realm, algorithm) entries.</summary>
    public int Count => _ha1.Count;

    /// <summary>Reads a credentials file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="file">The credentials, or <see langword="null"/> when false.</param>
    /// <param name="error">What is wrong and on which line, when false; it never quotes a secret.</param>
    /// <returns>Whether every line is well formed.</returns>
    public static bool TryLoad(string path, [NotNullWhen(true)] out DigestSecretFile? file, [NotNullWhen(false)] out string? error)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            file = null;
            error = $"cannot read {path}: {exception.Message}";
            return false;
        }

        return TryParse(text, out file, out error);
    }

    /// <summary>Reads the text of a credentials file.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="file">The credentials, or <see langword="null"/> when false.</param>
    /// <param name="error">What is wrong and on which line, when false; it never quotes a secret.</param>
    /// <returns>Whether every line is well formed.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out DigestSecretFile? file, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new DigestSecretFile();
        file = null;
        int number = 0;
        foreach (ReadOnlySpan<char> raw in text.AsSpan().EnumerateLines())
        {
            number++;
            ReadOnlySpan<char> line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            if (!TryNextField(ref line, out ReadOnlySpan<char> user) || !TryNextField(ref line, out ReadOnlySpan<char> realm) || line.IsEmpty)
            {
                error = Line(number, "expected: user realm secret");
                return false;
            }

            string userText = user.ToString();
            string realmText = realm.ToString();
            if (line.StartsWith(PlainPrefix, StringComparison.Ordinal))
            {
                string password = line[PlainPrefix.Length..].ToString();
                foreach (DigestAlgorithm algorithm in (ReadOnlySpan<DigestAlgorithm>)[DigestAlgorithm.Md5, DigestAlgorithm.Sha256, DigestAlgorithm.Sha512Slash256])
                {
                    result._ha1[Key(userText, realmText, algorithm)] = RequestDigest.ComputeHa1(algorithm, userText, realmText, password);
                }

                continue;
            }

            DigestAlgorithm named = DigestAlgorithm.Md5;
            ReadOnlySpan<char> secret = line;
            int colon = line.IndexOf(':');
            if (colon >= 0)
            {
                if (!DigestAlgorithms.TryParse(line[..colon], out named) || DigestAlgorithms.IsSession(named))
                {
                    error = Line(number, "unknown algorithm (MD5, SHA-256 or SHA-512-256)");
                    return false;
                }

                secret = line[(colon + 1)..];
            }

            if (secret.Length != DigestAlgorithms.HexLength(named) || !DigestHeaders.IsHex(secret))
            {
                error = Line(number, string.Create(
                    CultureInfo.InvariantCulture, $"the {DigestAlgorithms.Name(named)} HA1 must be {DigestAlgorithms.HexLength(named)} hex digits"));
                return false;
            }

            result._ha1[Key(userText, realmText, named)] = secret.ToString().ToLowerInvariant();
        }

        file = result;
        error = null;
        return true;
    }

    /// <inheritdoc />
    public ValueTask<string?> FindHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken) =>
        new(_ha1.GetValueOrDefault(Key(username, realm, DigestAlgorithms.HashOf(algorithm))));

    private static string Key(string user, string realm, DigestAlgorithm algorithm) =>
        string.Concat(user, "\n", realm, "\n", ((int)algorithm).ToString(CultureInfo.InvariantCulture));

    private static string Line(int number, string message) =>
        string.Create(CultureInfo.InvariantCulture, $"line {number}: {message}");

    private static bool TryNextField(ref ReadOnlySpan<char> line, out ReadOnlySpan<char> field)
    {
        int end = line.IndexOfAny(' ', '\t');
        if (end <= 0)
        {
            field = default;
            return false;
        }

        field = line[..end];
        line = line[end..].TrimStart();
        return true;
    }
}
