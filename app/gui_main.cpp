// gateau-workbench: the GUI. Thin: parse arguments, set up logging, show the main window.
#include "core/util/logging.h"
#include "ui/main_window.h"
#include "ui/sample_table_model.h"
#include "ui/plots/plots_panel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    Q_INIT_RESOURCE(resources);  // the .qrc lives in the static gateau_ui library
    QApplication::setOrganizationName("Gateau");
    QApplication::setApplicationName("Gateau Workbench");
    QApplication::setApplicationVersion(GATEAU_VERSION);

    QCommandLineParser cli;
    cli.setApplicationDescription("Curate long-context SFT data with the GATEAU method.");
    cli.addHelpOption();
    cli.addVersionOption();
    cli.addPositionalArgument("project", "Project file (.gateau) to open.");
    QCommandLineOption importOpt("import", "Import FILE into the project after opening it.", "FILE");
    QCommandLineOption shotOpt("screenshot", "Save a PNG of the window to FILE once loaded, then quit.", "FILE");
    QCommandLineOption verboseOpt("verbose", "Debug logging on the console.");
    QCommandLineOption sizeOpt("window-size", "Initial window size, e.g. 1600x1000.", "WxH");
    QCommandLineOption plotsTabOpt("plots-tab", "Show this tab of the plots dock, e.g. Compare (for screenshots).", "NAME");
    cli.addOptions({importOpt, shotOpt, verboseOpt, sizeOpt, plotsTabOpt});
    cli.process(app);

    QString logDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/logs";
    gateau::util::setupLogging(logDir.toStdString(), cli.isSet(verboseOpt));

    gateau::ui::MainWindow w;
    if (cli.isSet(sizeOpt)) {
        const QStringList wh = cli.value(sizeOpt).split('x');
        if (wh.size() == 2) w.resize(wh[0].toInt(), wh[1].toInt());
    }
    w.show();
    if (cli.isSet(plotsTabOpt)) {
        QTabWidget* tabs = w.plots()->tabs();
        for (int i = 0; i < tabs->count(); ++i)
            if (tabs->tabText(i).remove('&').compare(cli.value(plotsTabOpt), Qt::CaseInsensitive) == 0) tabs->setCurrentIndex(i);
    }
    // Long enough for the ranking, the plots and the inspector's first sample to load.
    auto screenshotLater = [&] {
        QTimer::singleShot(4000, &w, [&] {
            bool ok = w.grab().save(cli.value(shotOpt));
            std::fprintf(ok ? stdout : stderr, ok ? "screenshot saved to %s\n" : "cannot save screenshot %s\n",
                         qPrintable(cli.value(shotOpt)));
            app.exit(ok ? 0 : 1);
        });
    };
    const QStringList args = cli.positionalArguments();
    if (!args.isEmpty()) {
        // The project opens on the task runner; the import and the screenshot follow it.
        QObject::connect(&w, &gateau::ui::MainWindow::projectOpened, &w, [&](const QString&, const QString& error) {
            if (!error.isEmpty()) {
                if (cli.isSet(shotOpt)) app.exit(1);
                return;
            }
            if (cli.isSet(importOpt)) w.importFile(cli.value(importOpt));
            if (cli.isSet(shotOpt)) screenshotLater();
        }, Qt::SingleShotConnection);
        w.openProject(args.first(), !cli.value(importOpt).isEmpty());
    } else if (cli.isSet(shotOpt)) {
        screenshotLater();
    }
    return app.exec();
}
