#include "ui/browser/ranked_table_model.h"

#include "db/score_columns.h"
#include "ui/browser/ranking_session.h"
#include "ui/glossary.h"

#include <QBrush>
#include <QColor>
#include <QFont>

#include <cmath>

namespace gateau::ui {

QString labelsText(const db::Annotations& a) {
    QStringList parts;
    for (const auto& l : a.labels) parts << QString::fromStdString(l);
    for (const auto& t : a.tags) parts << QLatin1Char('#') + QString::fromStdString(t);
    if (a.hasEvidence()) parts << QStringLiteral("⟦evidence⟧");
    return parts.join(QStringLiteral(", "));
}

double nearDuplicateSortKey(const db::RankInput& s) {
    return s.nearDuplicateOf ? s.nearDuplicateSimilarity : (s.nearCopies ? 0.5 : 0.0);
}

QString decisionSortText(const db::RankInput& s) {
    // A dispute nobody adjudicated shows as such; an adjudicated one says so.
    if (s.decision == db::Decision::None && s.team.disputed()) return RankedTableModel::tr("disputed");
    if (s.team.isAdjudicated())
        return RankedTableModel::tr("%1 (adj.)").arg(QString::fromLatin1(db::decisionName(s.decision)));
    return s.decision == db::Decision::None ? QStringLiteral("auto") : QString::fromLatin1(db::decisionName(s.decision));
}

RankedTableModel::RankedTableModel(RankingSession* session, QObject* parent)
    : QAbstractTableModel(parent), session_(session) {
    connect(session, &RankingSession::loaded, this, [this] {
        beginResetModel();
        // Plug-in scores depend on the pool only, not on alpha or overrides: once per load.
        plugin_.clear();
        if (session_->hasRun()) plugin_ = db::pluginScoreValues(session_->inputs());
        endResetModel();
    });
    // Rows move (a new order came with the ranking): persistent indexes follow their sample,
    // so the selection and the current row survive; the proxy re-filters once.
    // A decision filters at once (the review queue moves on), before its re-rank lands.
    const auto aboutToChange = [this] {
        emit layoutAboutToBeChanged();
        oldIds_.clear();
        oldColumns_.clear();
        for (const QModelIndex& i : persistentIndexList()) {
            oldIds_ << sampleIdAt(i.row());
            oldColumns_ << i.column();
        }
    };
    connect(session, &RankingSession::aboutToChangeRanking, this, aboutToChange);
    connect(session, &RankingSession::aboutToChangeDecisions, this, aboutToChange);
    const auto changed = [this] {
        const QModelIndexList from = persistentIndexList();
        QModelIndexList to;
        for (int k = 0; k < from.size(); ++k) {
            const int row = k < oldIds_.size() ? rowOf(oldIds_[k]) : -1;
            to << (row >= 0 ? index(row, oldColumns_[k]) : QModelIndex());
        }
        changePersistentIndexList(from, to);
        emit layoutChanged();
    };
    connect(session, &RankingSession::rankingChanged, this, changed);
    connect(session, &RankingSession::decisionsChanged, this, changed);
}

int RankedTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !session_->hasRun() ? 0 : int(session_->inputs().samples.size());
}

int RankedTableModel::pluginColumnCount() {
    static const int n = int(db::pluginScoreDefs().size());
    return n;
}

int RankedTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount + pluginColumnCount();
}

qint64 RankedTableModel::sampleIdAt(int row) const {
    if (row < 0 || row >= rowCount()) return -1;
    return session_->inputs().samples[size_t(session_->inputAt(row))].sampleId;
}

int RankedTableModel::rowOf(qint64 sampleId) const {
    const int i = session_->hasRun() ? session_->indexOf(sampleId) : -1;
    return i < 0 ? -1 : session_->rowOfInput(i);
}

QVariant RankedTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal) return {};
    if (section >= ColumnCount) {
        static const std::vector<scoring::ScoreDef> defs = db::pluginScoreDefs();
        if (size_t(section - ColumnCount) >= defs.size()) return {};
        const scoring::ScoreDef& d = defs[size_t(section - ColumnCount)];
        if (role == Qt::DisplayRole) return QString::fromStdString(d.displayName);
        if (role == Qt::ToolTipRole) return QString::fromStdString(d.description);
        return {};
    }
    static const char* names[] = {"Rank", "Sel", "Score", "HMG", "CAM", "PPL A", "PPL B", "IFD", "CAS",
                                  "Context", "Response", "Decision", "Note", "Labels", "Dataset", "ID", "Near dup"};
    if (role == Qt::DisplayRole) return QString::fromLatin1(names[section]);
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case ColRank: return tr("Rank by alpha * HMG + (1 - alpha) * CAM (1 = most influential)");
            case ColSelected: return tr("Selected for export: inside the cut unless dropped, or kept by hand");
            case ColScore: return glossary::combined();
            case ColHmg: return glossary::hmg();
            case ColCam: return glossary::cam();
            case ColPplA: return glossary::pplA();
            case ColPplB: return glossary::pplB();
            case ColIfd: return glossary::ifd();
            case ColCas: return glossary::cas();
            case ColContextTokens: return tr("Context tokens kept (after left truncation)");
            case ColResponseTokens: return tr("Response tokens");
            case ColDecision: return tr("Manual decision (K keep, D drop, C clear); it wins over the ranking");
            case ColNote: return tr("Annotator note (N to edit)");
            case ColLabels: return tr("Review labels (keys 1-9) and #tags (T); E marks the evidence span");
            case ColDataset: return tr("Source dataset");
            case ColExternalId: return tr("Record id in the source dataset");
            case ColNearDuplicate:
                return tr("Near-duplicate (MinHash of the conversation): the earlier sample this one nearly repeats, with "
                          "the estimated share of 5-word runs they have in common");
        }
    }
    return {};
}

QVariant RankedTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const int i = session_->inputAt(index.row());
    const db::RankInput& s = session_->inputs().samples[size_t(i)];
    const db::RankedRow& r = session_->rankedRow(i);
    if (role == SampleIdRole) return qlonglong(s.sampleId);
    const bool forSort = role == SortRole;
    if (role == Qt::DisplayRole || forSort) {
        auto num = [&](double v, char fmt, int prec) -> QVariant { return forSort ? QVariant(v) : QVariant(QString::number(v, fmt, prec)); };
        if (index.column() >= ColumnCount) {
            const size_t c = size_t(index.column() - ColumnCount);
            if (c >= plugin_.size() || size_t(i) >= plugin_[c].size()) return {};
            return num(plugin_[c][size_t(i)], 'g', 4);
        }
        switch (index.column()) {
            case ColRank: return r.rank;
            case ColSelected: return forSort ? QVariant(r.selected ? 1 : 0) : QVariant(r.selected ? QStringLiteral("✓") : QString());
            case ColScore: return num(r.score, 'g', 5);
            case ColHmg: return num(r.hmg, 'g', 4);
            case ColCam: return num(r.cam, 'g', 4);
            case ColPplA: return num(s.pplA, 'g', 5);
            case ColPplB: return num(s.pplB, 'g', 5);
            case ColIfd: return num(s.ifd, 'f', 4);
            case ColCas: return num(s.cas, 'f', 4);
            case ColContextTokens: return qlonglong(s.contextTokens);
            case ColResponseTokens: return qlonglong(s.responseTokens);
            case ColDecision:
                if (!forSort && s.decision == db::Decision::None && !s.team.disputed()) return QString();
                return decisionSortText(s);
            case ColNote: return QString::fromStdString(s.note);
            case ColLabels: return labelsText(s.annotations);
            case ColDataset: return QString::fromStdString(s.datasetName);
            case ColExternalId: return QString::fromStdString(s.externalId);
            case ColNearDuplicate:
                if (forSort) return nearDuplicateSortKey(s);
                if (s.nearDuplicateOf) return tr("≈ #%1  %2").arg(s.nearDuplicateOf).arg(s.nearDuplicateSimilarity, 0, 'f', 2);
                if (s.nearCopies == 0) return QString();
                return s.nearCopies == 1 ? tr("1 near copy") : tr("%1 near copies").arg(s.nearCopies);
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        const int c = index.column();
        if (c == ColSelected) return int(Qt::AlignCenter);
        if (c <= ColResponseTokens || c >= ColumnCount) return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (role == Qt::BackgroundRole) {
        if (s.decision == db::Decision::Drop) return QBrush(QColor(250, 222, 218));
        if (s.decision == db::Decision::Keep) return QBrush(QColor(214, 240, 214));
        if (r.selected) return QBrush(QColor(226, 238, 250));
        return {};
    }
    if (role == Qt::FontRole && s.decision != db::Decision::None && index.column() == ColDecision) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::ToolTipRole && index.column() == ColDecision && !s.team.votes.empty()) {
        QStringList lines;
        for (const auto& [who, d] : s.team.votes)
            lines << tr("%1: %2").arg(who.empty() ? tr("(unnamed)") : QString::fromStdString(who), QString::fromLatin1(db::decisionName(d)));
        if (s.team.isAdjudicated())
            lines << tr("adjudicated %1 by %2").arg(QString::fromLatin1(db::decisionName(s.team.adjudicated)),
                                                    QString::fromStdString(s.team.adjudicator));
        else if (s.team.disputed())
            lines << tr("disputed: no decision applies until a lead adjudicates (K / D)");
        return lines.join('\n');
    }
    if (role == Qt::ToolTipRole && index.column() == ColExternalId) return QString::fromStdString(s.externalId);
    if (role == Qt::ToolTipRole && index.column() == ColNote && !s.note.empty()) return QString::fromStdString(s.note);
    if (role == Qt::ToolTipRole && index.column() == ColLabels) {
        QString t = labelsText(s.annotations);
        if (s.annotations.hasEvidence())
            t += (t.isEmpty() ? "" : "\n") + tr("Evidence: bytes %1-%2 of the context")
                                                 .arg(s.annotations.evidenceStart).arg(s.annotations.evidenceEnd);
        return t.isEmpty() ? QVariant() : QVariant(t);
    }
    return {};
}

}  // namespace gateau::ui
