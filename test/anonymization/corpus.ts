/**
 * Round-trip corpus: realistic passages (contracts, e-mails, chat messages, legal citations) with every
 * entity type labelled. This is the development set the detectors were tuned on; the benchmark also
 * scores a separate held-out set (bench/anonymization-labelled.ts).
 */
import { type LabelledText, parseLabelled } from './labelled.js';

export const CORPUS_MARKUP: readonly string[] = [
  // ---------------------------------------------------------------- contracts
  `This Services Agreement (the "Agreement") is entered into on 3 March 2026 by and between [[O|Northwind Traders Inc.]], a Delaware corporation ("Client"), and [[O|Baxter & Partners LLP]] ("Consultant"). Notices to Client shall be sent to [[P|Jonathan Whitaker]] at [[E|j.whitaker@northwind-traders.com]].`,
  `EMPLOYMENT AGREEMENT. This Agreement is made between [[O|Globex Corporation]] (the "Company") and [[P|Maria Gonzalez-Ruiz]] (the "Employee"). The Employee's Social Security Number is [[S|536-22-1987]] and salary will be paid to IBAN [[I|DE89 3704 0044 0532 0130 00]].`,
  `1.1 "Confidential Information" means all information disclosed by [[O|Brightwater Logistics Limited]] to [[O|Henderson Fabrication GmbH]], including the terms of matter [[M|LQ-2026-0042]].`,
  `The Purchase Price shall be paid by wire transfer to the Seller's account [[I|GB29 NWBK 6016 1331 9268 19]] no later than the Closing Date. Questions regarding payment may be directed to [[P|Priya Raman]] on [[T|+44 20 7946 0958]].`,
  `IN WITNESS WHEREOF, the parties have executed this Lease. LANDLORD: [[O|Oakridge Property Holdings LLC]], by [[P|Daniel Okafor]], Managing Member. TENANT: [[P|Hannah Schmidt]].`,
  `Section 9.2 (Notices). All notices to the Licensor shall be delivered to [[O|Vantage Analytics Ltd]], Attn: General Counsel, or by e-mail to [[E|legal@vantage-analytics.co.uk]] with a copy to [[E|notices@vantage-analytics.co.uk]].`,
  `Schedule 2 – Payment Details. Beneficiary: [[O|Kestrel Engineering AG]]. IBAN: [[I|CH93 0076 2011 6238 5295 7]]. Reference: [[M|KE-2025-118]]. Contact: [[P|Lukas Brenner]], [[T|+41 44 668 18 00]].`,
  `This Non-Disclosure Agreement is effective as of the date last signed below between [[O|Pinecrest Biotech Inc.]] and [[O|Marlow Ventures LP]]. The Receiving Party shall notify [[P|Aisha Bello]] within five (5) business days of any unauthorised disclosure.`,
  `The Guarantor, [[P|Thomas Achterberg]], hereby guarantees the obligations of [[O|Achterberg Shipping B.V.]] under the Facility Agreement dated 12 January 2026 (Matter No. [[M|2026.0117]]).`,
  `Statement of Work No. 4 under the Master Services Agreement between [[O|Cobalt Health Systems]] and [[O|Redline Consulting Group]]. Project lead for the Customer: [[P|Fatima Al-Sayed]] ([[E|fatima.alsayed@cobalthealth.org]]; [[T|(617) 555-0148]]).`,
  `Assignment of Rights. [[P|Kenji Watanabe]] assigns to [[O|Sakura Media KK]] all rights in the Work. Royalties shall be paid to account [[I|NL91 ABNA 0417 1643 00]].`,
  `The Borrower, [[O|Hollis & Pemberton Ltd]], shall maintain a minimum cash balance. The Lender's agent, [[P|Olivia Hartmann]], may request statements at any time via [[U|https://portal.lenderco.example.com/requests]].`,
  // ---------------------------------------------------------------- e-mails
  `From: [[P|Rafael Moreno]] <[[E|rafael.moreno@castellano-law.es]]>
To: [[P|Ingrid Svensson]]
Subject: Engagement letter for [[M|CL-2026-0031]]

Hi [[P|Ingrid]],

Please find attached the engagement letter. The retainer can be paid to [[I|ES91 2100 0418 4502 0005 1332]].

Best,
[[P|Rafael]]`,
  `Dear Mr. [[P|Whitaker]],

Thank you for your call this morning. As discussed, our client [[O|Lakeside Dental Group]] is prepared to settle. Please call me on [[T|(312) 555-0199]] or write to [[E|m.oduya@harborlegal.com]].

Kind regards,
[[P|Miriam Oduya]]`,
  `Hi team — quick update from [[P|Sven Lindqvist]]: the data room at [[U|https://dataroom.acquisitionco.example/deal/4471]] is now open. Login issues go to [[E|it-support@acquisitionco.example]].`,
  `Hello [[P|Chidi]],
Could you send the signed NDA to [[P|Jessica Turner]] at [[O|Summit Ridge Capital]] before Friday? Her direct line is [[T|212-555-0173]].
Thanks,
[[P|Emily Chen]]`,
  `Dear [[P|Siobhan]],
The hearing in [[O|Carrow Industries]]'s case (Case No. [[K|1:24-cv-03318]]) has been moved. Judge [[P|Patel]] wants submissions by 14 May.
Regards, [[P|Owen Gallagher]]`,
  `Good morning Dr. [[P|Nakamura]],
Per your request, the invoice for matter [[M|MED-2025-0903]] was charged to card [[C|4111 1111 1111 1111]]. If anything looks wrong, email [[E|billing@stlukes-clinic.example.org]].`,
  `Team, [[P|Wojciech Kowalczyk]] from [[O|Baltic Freight Solutions]] will join the call. Dial-in: [[T|+48 22 555 01 77]]. Agenda is on [[U|www.balticfreight.example.com/agenda]].`,
  `Hi [[P|Marcus]], the server at [[IP|203.0.113.42]] rejected the upload again. Can you whitelist [[IP|198.51.100.17]] as well? — [[P|Leila Haddad]]`,
  `Subject: Re: [[M|FIN-2026-0007]] wire instructions
[[P|Anna]], do NOT use the account in the earlier e-mail. The correct IBAN for [[O|Rhein Logistik GmbH]] is [[I|DE44 5001 0517 5407 3249 31]]. Call [[P|Jürgen Vogel]] on [[T|+49 30 901820]] to confirm verbally.`,
  `Dear Ms. [[P|Adeyemi]],
We act for [[O|Brookfield Textiles plc]] in connection with the claim under Claim No. [[K|2025-CV-004417]]. Please direct all correspondence to [[E|disputes@morrisonclarke.co.uk]] quoting our reference [[M|MCK-2025-2210]].`,
  // ---------------------------------------------------------------- chat messages
  `can u check why [[P|Deshawn Williams]] got locked out? his ssn on file is [[S|412-58-3301]] and he says the reset link [[U|https://accounts.example.com/reset?token=8f2a]] doesnt work`,
  `lol [[P|Kofi]] said the vpn gateway is [[IP|10.24.8.1]] now, not the old one. ask [[P|Rohan]] if that's right`,
  `my card got charged twice: [[C|5555 5555 5555 4444]]. pls refund. order was under [[E|tomasz.nowak84@gmail.com]]`,
  `hey, [[P|Sarah O'Connor]] wants the draft by 5. also [[P|Tom]] needs the docket number — it's [[K|3:25-cv-01102]]`,
  `[[P|Ana]]: is the IPv6 for the new box [[IP|2001:db8:85a3::8a2e:370:7334]]?
[[P|Luis]]: yes, and the old one [[IP|2001:db8::1]] can be retired`,
  `reminder: call Grandma [[P|Rose]] — no wait, it's Aunt [[P|Margaret]] on [[T|07700 900123]] about the will`,
  `quick q — does [[O|Pfizer]] still use [[O|Deloitte & Touche LLP]] for the audit? [[P|Mei Ling]] thinks [[O|KPMG LLP]] took over`,
  `pasting the client's amex for the filing fee: [[C|3782 822463 10005]] exp 09/28. delete after use pls`,
  `ok so [[P|Bjorn]] and [[P|Lars]] are both on matter [[M|NRD-2024-77]], and [[P|Olga Ivanova]] handles billing`,
  `hi, I need help drafting a response to a letter from [[O|Crestview Property Management]]. They say I owe rent but I paid via card [[C|4242 4242 4242 4242]]. my name is [[P|Jamal Thompson]]`,
  // ---------------------------------------------------------------- legal citations and memos
  `The court relied on [[K|Brown v. Board of Education, 347 U.S. 483 (1954)]] and distinguished [[K|Plessy v. Ferguson, 163 U.S. 537 (1896)]].`,
  `See [[K|Hadley v. Baxendale, 156 Eng. Rep. 145]]; but see [[K|Hawkins v. McGee, 146 A. 641 (N.H. 1929)]] for expectation damages.`,
  `Under [[K|Chevron U.S.A. Inc. v. Natural Resources Defense Council, 467 U.S. 837, 842-43 (1984)]], the agency's reading controlled until [[K|Loper Bright Enterprises v. Raimondo, 144 S.Ct. 2244 (2024)]].`,
  `Plaintiff's counsel, [[P|Rebecca Lindholm]], cited [[K|In re Marriage of Bonds, 24 Cal.4th 1 (2000)]] in support of enforcement of the premarital agreement.`,
  `Memorandum re [[M|LQ-2026-0108]]: [[O|Harrowgate Insurance Company]] denied coverage. The coverage action is pending as Case No. [[K|22-1457]] before the Ninth Circuit; compare [[K|Smith v. Jones, 123 F.3d 456 (9th Cir. 1997)]].`,
  `In [[K|Palsgraf v. Long Island R.R. Co., 162 N.E. 99 (N.Y. 1928)]], the court limited liability to foreseeable plaintiffs.`,
  `Docket No. [[K|2:23-cr-00981]] — United States v. [[P|Marcus Delacroix]]. Defense counsel: [[P|Yusuf Demir]], [[O|Demir & Associates]].`,
  `The parties stipulated to transfer of Civil Action No. [[K|1:25-cv-10293-JMF]]. Judge [[P|Furman]] granted the motion on consent.`,
  `Our research note for [[M|2025.0331]] summarises [[K|Erie Railroad Co. v. Tompkins, 304 U.S. 64 (1938)]] and [[K|International Shoe Co. v. Washington, 326 U.S. 310 (1945)]].`,
  `Witness statement of [[P|Gareth Pryce]]. I am employed by [[O|Severn Valley Water plc]] as an engineer. On 4 June I received a call from [[T|01632 960418]] asking for access to the pumping station.`,
  `The deposition of [[P|Linda Marchetti]], taken in [[K|Marchetti v. Quantum Retail Corp., 2024 WL 112233 (S.D.N.Y. Jan. 9, 2024)]], is attached; the docket is No. [[K|24-CV-3871]].`,
  `Counsel should review [[K|In re Enron Corp. Securities Litigation, 235 F.Supp.2d 549 (S.D. Tex. 2002)]] before the call with [[P|Harold Finch]].`,
  // ---------------------------------------------------------------- mixed / technical
  `Incident report: on 12 Feb the firewall logged 214 requests from [[IP|192.0.2.77]] to [[U|https://intranet.merriwether.example/hr/payroll]]. Escalated to [[P|Naomi Park]] ([[E|n.park@merriwether.example]]).`,
  `Customer record — Name: [[P|Chloe Dubois]]; Phone: [[T|+33 1 70 36 39 50]]; IBAN: [[I|FR76 3000 6000 0112 3456 7890 189]]; Client since 2019.`,
  `Payroll exception: employee [[P|Samuel Osei]], SSN [[S|078-62-1940]], was paid twice. Reverse the second payment to [[I|GB95 BARC 2003 5370 4951 73]].`,
  `Please send the executed copy to [[P|Abigail Foster]] at [[O|Meridian Trust Company]], 40 Wall Street, or call [[T|1-800-555-0132]].`,
  `Conflict check for new matter [[M|CORP-2026-0415]]: adverse parties are [[O|Thornbury Mining Corporation]] and its CEO [[P|Viktor Sokolov]].`,
  `The vendor portal ([[U|https://vendors.halcyon-foods.example.com]]) lists [[P|Grace Kim]] as the contact for [[O|Halcyon Foods Ltd]]; her mobile is [[T|+44 7700 900456]].`,
  `Billing note: [[O|Ashworth Family Office]] paid the retainer for [[M|AFO-2025-09]] with card [[C|6011 1111 1111 1117]].`,
  `Please redact the SSN ([[S|219-45-7781]]) and the account number before filing the exhibit in Case No. [[K|4:24-cv-00417]].`,
  `Minutes: [[P|Rosa Jiménez]] (Chair), [[P|Ahmed Karimi]], and [[P|Eleanor Whitfield]] attended for [[O|Larkspur Energy Partners]]. [[P|Ahmed]] will circulate the model by Monday.`,
  `Ticket #4471: user [[E|d.kaplan@fernhill.example]] cannot reach [[IP|172.16.254.3]]; route via [[IP|fe80::1ff:fe23:4567:890a]] works. Assigned to [[P|Dmitri Kaplan]].`,
  `Wire recap: [[O|Aurora Pharma SA]] → [[O|Nordlicht Pharma AG]], EUR 2.4m, from [[I|IT60 X054 2811 1010 0000 0123 456]] to [[I|AT61 1904 3002 3457 3201]], ref. [[M|AP-2026-0009]].`,
];

export const CORPUS: readonly LabelledText[] = CORPUS_MARKUP.map(parseLabelled);
