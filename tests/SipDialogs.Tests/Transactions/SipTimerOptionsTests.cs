namespace SipDialogs.Tests.Transactions;

public class SipTimerOptionsTests
{
    [Fact]
    public void TheDefaultsAreTheRfcValues()
    {
        var options = new SipTimerOptions();

        options.Validate();
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.T1);
        Assert.Equal(TimeSpan.FromSeconds(4), options.T2);
        Assert.Equal(TimeSpan.FromSeconds(5), options.T4);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.TryingDelay);
        Assert.Equal(TimeSpan.FromSeconds(32), options.SixtyFourT1);
        Assert.Equal(TimeSpan.FromSeconds(32), options.EffectiveTimerD);
    }

    [Fact]
    public void TimerDIsNeverShorterThanSixtyFourT1()
    {
        var options = new SipTimerOptions { T1 = TimeSpan.FromSeconds(1) };

        Assert.Equal(TimeSpan.FromSeconds(64), options.EffectiveTimerD);
    }

    [Theory]
    [InlineData(500, 31_000, false)]
    [InlineData(500, 32_000, true)]
    [InlineData(50, 3_200, true)]
    [InlineData(50, 3_100, false)]
    public void TimerDGoesDownTo32SecondsOrTo64T1WhenT1IsLowered(int t1, int timerD, bool valid)
    {
        var options = new SipTimerOptions { T1 = TimeSpan.FromMilliseconds(t1), TimerD = TimeSpan.FromMilliseconds(timerD) };

        if (valid)
        {
            options.Validate();
        }
        else
        {
            Assert.Contains("TimerD", Assert.Throws<InvalidOperationException>(options.Validate).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void InfiniteTryingDelayIsAllowed() => new SipTimerOptions { TryingDelay = Timeout.InfiniteTimeSpan }.Validate();

    [Theory]
    [InlineData(0, 4000, 5000, 200)]
    [InlineData(500, 400, 5000, 200)]
    [InlineData(500, 4000, -1, 200)]
    [InlineData(500, 4000, 5000, -5)]
    [InlineData(500, 4000, 5000, 60_000)]
    public void OutOfRangeValuesAreRefusedAtStartup(int t1, int t2, int t4, int trying)
    {
        var options = new SipTimerOptions
        {
            T1 = TimeSpan.FromMilliseconds(t1),
            T2 = TimeSpan.FromMilliseconds(t2),
            T4 = TimeSpan.FromMilliseconds(t4),
            TryingDelay = TimeSpan.FromMilliseconds(trying),
        };

        Assert.Throws<InvalidOperationException>(options.Validate);
    }
}
