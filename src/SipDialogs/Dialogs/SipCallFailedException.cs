using SipDialogs.Messages;

namespace SipDialogs.Dialogs;

/// <summary>A call was refused or could not be made: its INVITE got a final response other than 2xx.</summary>
public sealed class SipCallFailedException : Exception
{
    /// <summary>Makes the exception for a final response.</summary>
    /// <param name="response">The final response (3xx–6xx, or a local 408 or 503, RFC 3261 §8.1.3.1).</param>
    public SipCallFailedException(SipResponse response)
        : base(Describe(response))
    {
        ArgumentNullException.ThrowIfNull(response);
        Response = response;
    }

    /// <summary>Makes the exception for a final response and what the stack could not do about it.</summary>
    internal SipCallFailedException(SipResponse response, string detail)
        : base(Describe(response) + "; " + detail)
    {
        Response = response;
    }

    /// <summary>Makes the exception with a message and no response.</summary>
    /// <param name="message">What went wrong.</param>
    public SipCallFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Makes the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SipCallFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Makes the exception with no message.</summary>
    public SipCallFailedException()
    {
    }

    /// <summary>The final response, when one came (or was made locally).</summary>
    public SipResponse? Response { get; }

    /// <summary>Its status code, 0 when there is no response.</summary>
    public int StatusCode => Response?.StatusCode ?? 0;

    private static string Describe(SipResponse? response) =>
        response is null ? "The call failed." : $"The call failed: {response.StatusCode} {response.ReasonPhrase}";
}
