using System.Diagnostics.CodeAnalysis;
using SipDialogs.Auth;

namespace SipDialogs.Server;

/// <summary>
/// The Digest client of a user with a password, or with a file whose first line is the password (RFC 3261 §22.2): it
/// answers a challenge of any realm, for the INVITE and for every later request of its call. <c>call</c>'s
/// <c>--user</c>, and the B2BUA's routes and <c>--next-hop-user</c>, are made here. The password never reaches a message.
/// </summary>
internal static class ClientCredentials
{
    /// <summary>The client, or null without a user; on a bad combination, a message naming the settings.</summary>
    /// <param name="user">The user name, or null for none.</param>
    /// <param name="password">The password, or null.</param>
    /// <param name="passwordFile">A file whose first line is the password, or null.</param>
    /// <param name="names">How the three settings are called in messages, e.g. <c>--user</c>.</param>
    /// <param name="digest">The client, or null when there is no user.</param>
    /// <param name="error">What is wrong, when false.</param>
    public static bool TryCreate(
        string? user, string? password, string? passwordFile, (string User, string Password, string PasswordFile) names,
        out DigestClient? digest, [NotNullWhen(false)] out string? error)
    {
        digest = null;
        error = null;
        if (passwordFile is { Length: > 0 } file)
        {
            if (password is not null)
            {
                error = $"give {names.Password} or {names.PasswordFile}, not both.";
                return false;
            }

            try
            {
                password = File.ReadLines(file).FirstOrDefault() ?? string.Empty;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                error = $"{names.PasswordFile} '{file}' cannot be read: {exception.Message}";
                return false;
            }
        }

        if (user is not { Length: > 0 })
        {
            error = password is null ? null : $"{names.Password} needs {names.User}.";
            return error is null;
        }

        if (password is null)
        {
            error = $"{names.User} needs {names.Password} or {names.PasswordFile}.";
            return false;
        }

        digest = new DigestClient(new SipCredentialTable { Default = new SipCredential(user, password) });
        return true;
    }
}
