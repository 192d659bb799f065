import { declareFields, declareNode, fieldsOf, LANG_ARG, pickText, type Language } from '../engine';
import { Program } from '../programs/program';
import { Region } from '../regions/region';
import { Call, CallCosts, CallRegion, CallStatus } from './call';
import { callById, callOfProgram, callSource } from './loaders';
import { callStatus, callStatusCase } from './status';

declareNode(Call, { byId: callById, source: callSource });

const call = fieldsOf(Call);
declareFields(Call, {
  program: call.toOne(() => Program, 'programPk', { nullable: false, description: 'The forum or internship the call takes applications for.' }),
  status: call.computed({
    type: () => CallStatus,
    description: 'Not yet open, open or closed, now: from the opening day (UTC) and the deadline.',
    reads: ['opensOn', 'closesAt'],
    resolve: (c, _, ctx) => callStatus(c, ctx.now),
    sql: (s) => callStatusCase(s.row, s.now()),
  }),
  eligibleRegions: call.through(() => Region, {
    link: CallRegion,
    from: 'callPk',
    to: 'regionPk',
    orderBy: ['position'],
    description: 'Regions whose residents may apply, each with every region below it (a call open to RU takes residents of Omsk), in the order the call names them; empty when the call sets no condition of residence.',
  }),
  workingLanguages: call.computed({
    type: () => [String],
    description: 'ISO 639-1 codes of the languages the programme is held in ("ru", "en"), in the order the call gives them.',
    reads: ['workingLanguages'],
    resolve: (c) => c.workingLanguages,
    // The column holds the list as JSON text, written by JSON.stringify.
    sql: (s) => (s.db.dialect === 'postgres' ? `(${s.row}.working_languages)::json` : `json(${s.row}.working_languages)`),
  }),
  costs: call.computed({
    type: () => CallCosts,
    description: 'What taking part costs and what is paid for.',
    reads: ['feeMinor', 'feeCurrency', 'travelCovered', 'accommodationCovered', 'costNotes'],
    resolve: (c): CallCosts => ({
      fee: c.feeMinor == null || c.feeCurrency == null ? null : { amount: c.feeMinor / 100, currency: c.feeCurrency },
      travelCovered: c.travelCovered,
      accommodationCovered: c.accommodationCovered,
      notes: c.costNotes,
    }),
  }),
});

declareFields(CallCosts, {
  notes: fieldsOf(CallCosts).computed({
    type: () => String,
    nullable: true,
    description: 'Notes on costs (what is reimbursed, how), in the asked language; null when there are none.',
    args: { lang: LANG_ARG },
    reads: ['notes'],
    resolve: (c, { lang }: { lang?: Language | null }, ctx) => pickText(c.notes, lang, ctx.languages),
  }),
});

declareFields(Program, {
  call: fieldsOf(Program).computed({
    type: () => Call,
    nullable: true,
    description: 'The call for applications; null when the programme has none (the registry invents none where its source gives no application data).',
    reads: [],
    resolve: (p, _, ctx) => callOfProgram(ctx).load(p.pk),
    sql: (s) => s.one((alias) => `${alias}.program_id = ${s.row}.id`),
  }),
});
