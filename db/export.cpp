#include "db/export.h"

#include "core/util/atomic_file.h"
#include "db/score_columns.h"


#include <cstdio>

namespace gateau::db {

namespace {

// RFC 4180: quote fields with a comma, quote or line break; double the quotes.
std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// Label and tag names cannot hold ';' (db::checkMarkName).
std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ";") + n;
    return out;
}

}  // namespace

int64_t exportSelectedJsonl(ProjectStore& store, const RankInputs& inputs, const Ranking& ranking,
                            util::AtomicFile& out) {
    int64_t written = 0;
    for (const RankedRow& r : ranking.rows) {
        if (!r.selected) continue;
        const int64_t id = inputs.samples[r.input].sampleId;
        auto text = store.sampleText(id);
        if (!text) throw DbError(store.path() + ": sample " + std::to_string(id) + " has no stored record");
        std::string line = std::move(text->raw);
        for (char& c : line)
            if (c == '\n' || c == '\r') c = ' ';
        line += '\n';
        out.write(line);
        ++written;
    }
    return written;
}

int64_t exportScoresCsv(const RankInputs& inputs, const Ranking& ranking, util::AtomicFile& out) {
    // The columns before plug-in scorers existed keep their places; every other registered
    // score (db/score_columns.h) follows them, so readers by position keep working.
    std::vector<ScoreColumn> extra;
    for (auto& c : scoreColumns(inputs, ranking))
        if (!isLegacyScore(c.key)) extra.push_back(std::move(c));
    std::string header =
        "rank,sample_id,external_id,dataset,selected,decision,note,score,hmg,cam,ppl_a,ppl_b,ppl_response_only,ifd,"
        "cas,cam_raw,prompt_tokens,response_tokens,context_tokens,truncated,labels,tags,evidence_start,evidence_end,"
        "adjudicated,adjudicator,decisions";
    for (const auto& c : extra) header += "," + c.key;
    out.write(header + "\n");
    for (const RankedRow& r : ranking.rows) {
        const RankInput& s = inputs.samples[r.input];
        const Annotations& a = s.annotations;
        std::string line = std::to_string(r.rank) + "," + std::to_string(s.sampleId) + "," + csvField(s.externalId) +
                           "," + csvField(s.datasetName) + "," + (r.selected ? "1" : "0") + "," +
                           decisionName(s.decision) + "," + csvField(s.note) + "," + num(r.score) + "," + num(r.hmg) +
                           "," + num(r.cam) + "," + num(s.pplA) + "," + num(s.pplB) + "," + num(s.pplResponseOnly) +
                           "," + num(s.ifd) + "," + num(s.cas) + "," + num(s.camRaw) + "," +
                           std::to_string(s.promptTokens) + "," + std::to_string(s.responseTokens) + "," +
                           std::to_string(s.contextTokens) + "," + (s.truncated ? "1" : "0") + "," +
                           csvField(joinNames(s.annotations.labels)) + "," + csvField(joinNames(s.annotations.tags)) +
                           "," + (a.hasEvidence() ? std::to_string(a.evidenceStart) : "") + "," +
                           (a.hasEvidence() ? std::to_string(a.evidenceEnd) : "") + "," +
                           (s.team.isAdjudicated() ? decisionName(s.team.adjudicated) : "") + "," +
                           csvField(s.team.isAdjudicated() ? s.team.adjudicator : std::string()) + "," +
                           csvField(s.team.describe());
        for (const auto& c : extra) line += "," + num(c.values[r.input]);
        out.write(line + "\n");
    }
    return int64_t(ranking.rows.size());
}

ExportCounts exportRun(ProjectStore& store, const RankInputs& inputs, const Ranking& ranking,
                       const std::string& jsonlPath, const std::string& csvPath) {
    std::vector<std::string> paths;
    if (!jsonlPath.empty()) paths.push_back(jsonlPath);
    if (!csvPath.empty()) paths.push_back(csvPath);
    util::AtomicFileSet files(paths);
    ExportCounts n;
    size_t i = 0;
    if (!jsonlPath.empty()) n.selected = exportSelectedJsonl(store, inputs, ranking, files.file(i++));
    if (!csvPath.empty()) n.csvRows = exportScoresCsv(inputs, ranking, files.file(i++));
    files.commit();
    return n;
}

}  // namespace gateau::db
