#include "ui/browser/review_writer.h"

#include "db/annotations.h"
#include "db/ranking_settings.h"
#include "db/sqlite.h"
#include "db/team_review.h"
#include "ui/tasks/task_runner.h"

#include <optional>
#include <stdexcept>

namespace gateau::ui {

// Used by one write at a time (the Queue lane runs them in order), never on the GUI thread.
struct ReviewWriter::Connection {
    std::string path;
    std::optional<db::ProjectStore> store;
};

ReviewWriter::ReviewWriter(QObject* parent) : QObject(parent) {}

void ReviewWriter::setProject(const std::string& path) {
    if (path == path_) return;
    path_ = path;
    connection_ = path.empty() ? nullptr : std::make_shared<Connection>(Connection{path, std::nullopt});
}

namespace {
db::ProjectStore& storeOf(std::optional<db::ProjectStore>& store, const std::string& path) {
    if (!store) store = db::ProjectStore::open(path, false);
    return *store;
}
}  // namespace

void ReviewWriter::write(std::vector<ReviewWrite> edits, const std::string& annotator, Done done) {
    using Stored = std::vector<std::pair<qint64, db::TeamVotes>>;
    auto connection = connection_;
    TaskRunner::instance().run<Stored>(
        this, QStringLiteral("review-write"),
        [connection, edits = std::move(edits), who = annotator](const CancelToken&) {
            if (!connection) throw std::runtime_error("no project open");
            db::ProjectStore& store = storeOf(connection->store, connection->path);
            {
                db::Transaction tx(store.db());  // a bulk edit is written whole or not at all
                for (const ReviewWrite& e : edits) {
                    const OverrideState& now = e.now;
                    const OverrideState& st = e.then;
                    if (now.team.adjudicated != st.team.adjudicated)
                        db::addAdjudication(store, e.sampleId, st.team.adjudicated, st.team.adjudicationNote, who);
                    const db::Decision ownNow = now.team.ownVote(who), ownThen = st.team.ownVote(who);
                    if (ownNow != ownThen || now.note != st.note)
                        db::addOverrideBy(store, e.sampleId, ownThen, st.note, who);
                    db::writeAnnotationChange(store, e.sampleId, now.annotations, st.annotations, who);
                }
                tx.commit();
            }
            Stored stored;
            for (const ReviewWrite& e : edits) {
                try {
                    stored.emplace_back(e.sampleId, db::teamVotesOf(store, e.sampleId));
                } catch (const std::exception&) {  // written; the table keeps what it shows
                }
            }
            return stored;
        },
        [done = std::move(done)](TaskResult<Stored>& r) {
            if (done) done(r.value, r.status == TaskStatus::Finished ? QString() : r.error);
        },
        LaneMode::Queue);
}

template <class T>
void ReviewWriter::storeTask(std::function<T(db::ProjectStore&)> fn, std::function<void(const T&, const QString&)> done) {
    auto connection = connection_;
    TaskRunner::instance().run<T>(
        this, QStringLiteral("review-write"),
        [connection, fn = std::move(fn)](const CancelToken&) {
            if (!connection) throw std::runtime_error("no project open");
            return fn(storeOf(connection->store, connection->path));
        },
        [done = std::move(done)](TaskResult<T>& r) {
            if (done) done(r.value, r.status == TaskStatus::Finished ? QString() : r.error);
        },
        LaneMode::Queue);
}

void ReviewWriter::readLabelSet(LabelsDone done) {
    storeTask<std::vector<std::string>>([](db::ProjectStore& store) { return db::labelSet(store); }, std::move(done));
}

void ReviewWriter::writeLabelSet(std::vector<std::string> labels, LabelsDone done) {
    storeTask<std::vector<std::string>>(
        [labels = std::move(labels)](db::ProjectStore& store) {
            db::setLabelSet(store, labels);  // one transaction: the whole set or nothing
            return db::labelSet(store);
        },
        std::move(done));
}

void ReviewWriter::readProjectAlpha(AlphaDone done) {
    storeTask<double>([](db::ProjectStore& store) { return db::projectAlpha(store.db()); }, std::move(done));
}

void ReviewWriter::writeProjectAlpha(double alpha, AlphaDone done) {
    storeTask<double>(
        [alpha](db::ProjectStore& store) {
            db::setProjectAlpha(store.db(), alpha);
            return db::projectAlpha(store.db());
        },
        std::move(done));
}

}  // namespace gateau::ui
