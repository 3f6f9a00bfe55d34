using Microsoft.Extensions.Options;
using SipDialogs.Hosting;

namespace SipDialogs.Server;

/// <summary>Runs <see cref="SipStackOptions.Validate"/> when the host starts, so a bad value stops startup with its name.</summary>
internal sealed class SipStackOptionsValidation : IValidateOptions<SipStackOptions>
{
    public ValidateOptionsResult Validate(string? name, SipStackOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException exception)
        {
            return ValidateOptionsResult.Fail(exception.Message);
        }
    }
}
