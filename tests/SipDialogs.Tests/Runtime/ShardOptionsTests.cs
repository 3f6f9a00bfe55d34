using SipDialogs.Runtime;

namespace SipDialogs.Tests.Runtime;

public class ShardOptionsTests
{
    [Fact]
    public void TheDefaultsAreValid() => new ShardOptions().Validate();

    [Theory]
    [InlineData(-1, 16_384, 10, 1024)]
    [InlineData(0, 8, 10, 1024)]
    [InlineData(0, 16_384, 0, 1024)]
    [InlineData(0, 16_384, 500, 1024)]
    [InlineData(0, 16_384, 10, 4)]
    public void OutOfRangeValuesAreRefusedAtStartup(int shards, int mailbox, int tickMilliseconds, int slots)
    {
        var options = new ShardOptions
        {
            ShardCount = shards,
            MailboxCapacity = mailbox,
            TimerTick = TimeSpan.FromMilliseconds(tickMilliseconds),
            TimerWheelSlots = slots,
        };

        Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Throws<InvalidOperationException>(() => new ShardSet(options));
    }
}
