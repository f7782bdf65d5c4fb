// pysandbox-cli: argument parsing and wiring only; the work is in CliRunner and core.
#include "CliRunner.h"

#include "cli/CliArguments.h"
#include "util/Translations.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <cstdio>

#include <fcntl.h>
#include <unistd.h>

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(g_signalPipe[1], &byte, 1);
}

} // namespace

int main(int argc, char *argv[])
{
    // A closed standard stream would let the next open() take its number: envelopes would go
    // into some other file, and batch would read one of our own descriptors as its input.
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1)
            [[maybe_unused]] const int opened = ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pysandbox-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PYSANDBOX_VERSION));
    pysandbox::installTranslations(&app);

    const pysandbox::CliCommand command = pysandbox::parseCliArguments(QCoreApplication::arguments().mid(1));
    switch (command.kind) {
    case pysandbox::CliCommand::Kind::Help:
        std::fputs(pysandbox::cliUsage().toUtf8().constData(), stdout);
        return pysandbox::ExitOk;
    case pysandbox::CliCommand::Kind::Version:
        std::printf("pysandbox-cli %s\n", PYSANDBOX_VERSION);
        return pysandbox::ExitOk;
    case pysandbox::CliCommand::Kind::Invalid:
        std::fprintf(stderr, "pysandbox-cli: %s\n\n%s", command.error.toUtf8().constData(),
                     pysandbox::cliUsage().toUtf8().constData());
        return pysandbox::ExitUsage;
    default:
        break;
    }

    pysandbox::CliRunner runner(command);
    // Ctrl+C and SIGTERM cancel the run through the event loop instead of killing us
    // mid-way, so no child or scratch directory is left behind.
    if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) == 0) {
        auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &runner, [&runner] {
            char drain[16];
            while (::read(g_signalPipe[0], drain, sizeof drain) > 0) {
            }
            runner.interrupt();
        });
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    std::signal(SIGPIPE, SIG_IGN);
    // Started from the event loop, so that every path can end it with QCoreApplication::exit().
    QTimer::singleShot(0, &runner, &pysandbox::CliRunner::start);
    return QCoreApplication::exec();
}
